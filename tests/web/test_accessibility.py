"""Accessibility basics checked by axe-core (the copy shipped in axe-playwright-python, run inside each page):
labels, contrast, landmarks, names of buttons and links, on every main page of every role."""

import pytest
from axe_playwright_python.sync_playwright import Axe

PAGES = {
    "demo-caseworker": ["/worklist", "/claims", "/enrolments", "/participants", "/participants/new", "/imports",
                        "/reports", "/notifications", "/discrepancies"],
    "demo-primaya": ["/claims", "/claims/new"],
    "demo-bpjs": ["/queues"],
    "demo-supervisor": ["/breaches", "/audit", "/scorecards"],
}
#: WCAG 2.1 A and AA rules, and axe's best practices.
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
         "resultTypes": ["violations"]}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_main_pages_pass_axe(browser, site, username):
    page = site.page(browser, username)
    axe = Axe()
    found = {}
    for path in ["/login", *PAGES[username]] if username == "demo-caseworker" else PAGES[username]:
        page.goto(path)
        results = axe.run(page, options=RULES)
        violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                      for v in results.response["violations"]]
        if violations:
            found[path] = violations
    assert found == {}
