"""The monthly report's sections on premiums (BPJS's invoices for the month and the city's payments of them) and on
the cross-checks' discrepancies (opened, reopened, resolved, dismissed in the month, open at its end, per check and
party), in JSON, CSV and the printable page alike."""

from tests.checks.helpers import bpjs_file, import_file, pump
from tests.checks.test_claims import paid_claim
from tests.sla.conftest import any_app, api, travel, wita  # noqa: F401  (fixtures)

PREMIUM_ROWS = [["informal / jkk", 1, 2, 20_000, 25_000, 0], ["informal / jkm", 1, 3, 20_400, 15_000, 5_400],
                ["rt_rw / jkk", 1, 1, 10_000, 0, 10_000], ["total", 3, 6, 50_400, 40_000, 15_400]]


def section(api, month, key):  # noqa: F811
    body = api.call("get", f"/reports/monthly?month={month}", user="demo-supervisor").get_json()
    return next(s for s in body["sections"] if s["key"] == key)


def test_the_months_invoices_paid_and_outstanding(api):  # noqa: F811
    # (the same invoices and payments as tests/reports/test_premium_report.py: over-, part- and unpaid)
    from tests.reports.test_premium_report import bill

    bill(api)
    premiums = section(api, "2026-03", "premiums")
    assert premiums["columns"] == ["cohort / programme", "invoices", "participants", "invoiced", "paid",
                                   "outstanding"]
    assert premiums["rows"] == PREMIUM_ROWS
    assert section(api, "2026-02", "premiums")["rows"] == [["informal / jkk", 1, 2, 20_000, 20_000, 0],
                                                           ["total", 1, 2, 20_000, 20_000, 0]]
    assert section(api, "2026-04", "premiums")["rows"] == [["total", 0, 0, 0, 0, 0]]
    text = api.call("get", "/reports/monthly.csv?month=2026-03", user="demo-supervisor").get_data(as_text=True)
    assert ("2026-03,premiums,rt_rw / jkk,invoices,1\r\n2026-03,premiums,rt_rw / jkk,participants,1\r\n"
            "2026-03,premiums,rt_rw / jkk,invoiced,10000\r\n2026-03,premiums,rt_rw / jkk,paid,0\r\n"
            "2026-03,premiums,rt_rw / jkk,outstanding,10000\r\n") in text
    assert "2026-03,premiums,total,outstanding,15400\r\n" in text
    page = api.call("get", "/reports/monthly.html?month=2026-03", user="demo-supervisor").get_data(as_text=True)
    assert "<h2>Premiums invoiced by BPJS and paid by the city</h2>" in page
    assert ('<tr><td>total</td><td class="n">3</td><td class="n">6</td><td class="n">50.400</td>'
            '<td class="n">40.000</td><td class="n">15.400</td></tr>') in page


CLEAN = "737109170590000{n},2600000000{n},Andi Rahman {n},1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"
NON_ACTIVE = "737109170590000{n},2600000000{n},Andi Rahman {n},1990-05-17,jkk+jkm,non_active,,,0,city"
OTHER_KPJ = "737109170590000{n},2699999999{n},Andi Rahman {n},1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"
OTHER_NAME = "737109170590000{n},2600000000{n},Budi Santoso,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"


def transition(api, check, trigger, user, data):  # noqa: F811
    item = api.call("get", f"/discrepancies?check={check}", user=user).get_json()["items"][0]
    response = api.call("post", f"/discrepancies/{item['id']}/transitions", user=user, json={
        "trigger": trigger, "expected_version": item["version"], "data": data})
    assert response.status_code == 200, response.get_json()


def test_discrepancies_per_check_and_party_month_by_month(api, any_app, travel):  # noqa: F811
    """March: four found (one the hospital's), one dismissed. April: a corrected file resolves one by data, a
    caseworker resolves another. May: the next file finds that one again (reopened)."""
    travel(wita(2026, 3, 2, 9, 0))
    for n in (1, 2, 3):
        api.active(n)
    travel(wita(2026, 3, 12, 9, 0))
    paid_claim(api, serial=4, reported=7_500_000, medical=7_000_000)  # care_cost_mismatch, RS-PRIMAYA's to act
    pump(any_app)
    travel(wita(2026, 3, 13, 8, 0))
    wrong = bpjs_file(NON_ACTIVE.format(n=1), OTHER_KPJ.format(n=2), OTHER_NAME.format(n=3), CLEAN.format(n=4))
    import_file(any_app, wrong)
    travel(wita(2026, 3, 20, 9, 0))
    transition(api, "kpj_mismatch", "dismiss", "demo-bpjs", {"reason": "second card issued; both are valid"})
    travel(wita(2026, 4, 2, 8, 0))
    fixed = bpjs_file(CLEAN.format(n=1), OTHER_KPJ.format(n=2), OTHER_NAME.format(n=3), CLEAN.format(n=4))
    import_file(any_app, fixed)
    travel(wita(2026, 4, 10, 9, 0))
    transition(api, "identity_mismatch", "resolve", "demo-caseworker", {"note": "name corrected at the counter"})
    travel(wita(2026, 5, 4, 8, 0))
    import_file(any_app, fixed)  # BPJS still has the other name: found again

    march = section(api, "2026-03", "discrepancies")
    assert march["columns"] == ["check (party)", "opened", "reopened", "resolved", "dismissed", "open at month end"]
    assert march["rows"] == [["enrolment_active_not_at_bpjs (bpjs)", 1, 0, 0, 0, 1],
                             ["kpj_mismatch (bpjs)", 1, 0, 0, 1, 0],
                             ["identity_mismatch (disnaker)", 1, 0, 0, 0, 1],
                             ["care_cost_mismatch (RS-PRIMAYA)", 1, 0, 0, 0, 1],
                             ["total", 4, 0, 0, 1, 3]]
    assert section(api, "2026-04", "discrepancies")["rows"] == [
        ["enrolment_active_not_at_bpjs (bpjs)", 0, 0, 1, 0, 0], ["identity_mismatch (disnaker)", 0, 0, 1, 0, 0],
        ["care_cost_mismatch (RS-PRIMAYA)", 0, 0, 0, 0, 1], ["total", 0, 0, 2, 0, 1]]
    assert section(api, "2026-05", "discrepancies")["rows"] == [
        ["identity_mismatch (disnaker)", 0, 1, 0, 0, 1], ["care_cost_mismatch (RS-PRIMAYA)", 0, 0, 0, 0, 1],
        ["total", 0, 1, 0, 0, 2]]
    assert section(api, "2026-02", "discrepancies")["rows"] == [["total", 0, 0, 0, 0, 0]]
    text = api.call("get", "/reports/monthly.csv?month=2026-04", user="demo-caseworker").get_data(as_text=True)
    assert text.endswith(
        "2026-04,discrepancies,total,opened,0\r\n2026-04,discrepancies,total,reopened,0\r\n"
        "2026-04,discrepancies,total,resolved,2\r\n2026-04,discrepancies,total,dismissed,0\r\n"
        "2026-04,discrepancies,total,open at month end,1\r\n")
    assert "2026-04,discrepancies,identity_mismatch (disnaker),resolved,1\r\n" in text
    page = api.call("get", "/reports/monthly.html?month=2026-03", user="demo-admin").get_data(as_text=True)
    assert "<h2>Cross-check discrepancies per check and party</h2>" in page
    assert ('<tr><td>care_cost_mismatch (RS-PRIMAYA)</td><td class="n">1</td><td class="n">0</td>'
            '<td class="n">0</td><td class="n">0</td><td class="n">1</td></tr>') in page
