"""A discrepancy in the browser: BPJS's file names a NIK the city does not cover; the caseworker finds it on the
worklist, reads its evidence, is told a dismissal needs a reason, gives one, and finds it among the dismissed."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.checks.helpers import bpjs_file, import_file, states
from tests.web.conftest import screenshot
from tests.web.test_accessibility import RULES

UNKNOWN = "7371011111800001,27000000011,Hasnah Jafar,1980-11-11,jkk+jkm,active,2026-01-01,2026-11,0,city"


def test_a_caseworker_dismisses_a_discrepancy_with_a_reason(browser, quiet_site):
    site = quiet_site
    _, runs = import_file(site.app, bpjs_file(UNKNOWN))
    assert runs["active_at_bpjs_not_in_city"].opened == 1
    page = site.page(browser, "demo-caseworker")
    section = page.locator("section", has=page.get_by_role("heading", name="Selisih data terbuka"))
    expect(section.locator(".count")).to_have_text("1")
    section.get_by_role("link", name="Selisih data 1").click()

    expect(page.locator("h1")).to_have_text("Selisih data 1 terbuka")
    expect(page.get_by_role("heading", name="aktif di BPJS, tidak aktif di kota")).to_be_visible()
    evidence = page.locator("table.evidence")
    expect(evidence.get_by_role("row", name="Nomor KPJ")).to_contain_text("27000000011")
    violations = [v["id"] for v in Axe().run(page, options=RULES).response["violations"]]
    assert violations == []

    dismiss = page.locator("#form-dismiss")
    dismiss.get_by_role("button", name="Kesampingkan").click()
    dismiss = page.locator("#form-dismiss")
    expect(dismiss.locator("#dismiss-reason-error")).to_have_text("Wajib diisi.")
    expect(dismiss.get_by_label("Alasan")).to_have_attribute("aria-invalid", "true")
    assert states(site.app) == {("active_at_bpjs_not_in_city", "7371011111800001"): "open"}
    screenshot(page, "discrepancy-refused")
    dismiss.get_by_label("Alasan").fill("Terdaftar lewat pemberi kerja sejak 2025; kota berhenti membayar")
    dismiss.get_by_role("button", name="Kesampingkan").click()
    expect(page.locator("h1")).to_have_text("Selisih data 1 dikesampingkan")
    expect(page.locator(".history")).to_contain_text("Terdaftar lewat pemberi kerja sejak 2025")
    expect(page.locator("#form-dismiss")).to_have_count(0)  # nothing left to do
    assert states(site.app) == {("active_at_bpjs_not_in_city", "7371011111800001"): "dismissed"}

    page.get_by_role("navigation", name="Utama").get_by_role("link", name="Selisih data").click()
    page.get_by_text("Saringan").click()
    page.get_by_label("Status").select_option("dismissed")
    page.get_by_role("button", name="Saring").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("dikesampingkan")
    page.goto("/worklist")
    expect(section.locator(".count")).to_have_text("0")
