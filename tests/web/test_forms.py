"""Forms in the browser: a refusal next to its field, the language switch, CSRF, the DTSEN import's progress bar,
the keyboard, and a phone-sized screen."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from berjasa.auth.models import User
from berjasa.auth.service import actor_for
from berjasa.db import db
from berjasa.enrolment import imports
from berjasa.enrolment.dtsen_demo import generate
from berjasa.registry.models import Participant
from tests.web.conftest import screenshot
from tests.web.test_claim_flow import describe_accident


def test_a_refusal_shows_next_to_its_field(browser, site):
    hospital = site.page(browser, "demo-primaya")
    hospital.goto("/claims/new")
    hospital.get_by_label("NIK").fill("1234567890123456")
    hospital.get_by_role("button", name="Cek kepesertaan pada tanggal kecelakaan").click()
    expect(hospital.locator("#cover")).to_contain_text("tanggal lahir dalam NIK bukan tanggal yang sah")
    hospital.get_by_label("Waktu kecelakaan (WITA)").fill("2026-03-01T09:30")
    hospital.get_by_role("button", name="Laporkan", exact=True).click()
    expect(hospital.locator("#place-error")).to_have_text("Wajib diisi.")  # the schema's message, translated
    expect(hospital.get_by_label("Tempat")).to_have_attribute("aria-describedby", "place-error")
    expect(hospital.locator("#accident_at-error")).to_have_count(0)
    describe_accident(hospital, "Pasar Terong", "Tangan terpotong mesin", "luka")
    nik = hospital.get_by_label("NIK")
    expect(nik).to_have_attribute("aria-invalid", "true")
    expect(hospital.locator("#nik-error")).to_have_text("tanggal lahir dalam NIK bukan tanggal yang sah")
    expect(nik).to_have_attribute("aria-describedby", "nik-error")
    expect(nik).to_have_value("1234567890123456")  # what was typed stays
    expect(hospital.locator("#place-error")).to_have_count(0)
    screenshot(hospital, "form-error")


def test_the_language_switch_is_kept_per_user(browser, site):
    page = site.page(browser, "demo-caseworker")
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Daftar kerja")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Worklist")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with site.app.app_context(), db.new_session() as session:
        assert session.scalar(sa.select(User.language).where(User.username == "demo-caseworker")) == "en"
    page.get_by_role("button", name="Sign out").click()
    again = site.page(browser)
    again.goto("/login")
    expect(again.get_by_role("button", name="Masuk")).to_be_visible()  # before sign-in: Indonesian
    again.get_by_label("Nama pengguna").fill("demo-caseworker")
    again.get_by_label("Kata sandi").fill(site.passwords["demo-caseworker"])
    again.get_by_role("button", name="Masuk").click()
    expect(again.locator("h1")).to_have_text("Worklist")  # the user's own choice, from the database
    again.get_by_role("button", name="Bahasa Indonesia").click()
    expect(again.locator("h1")).to_have_text("Daftar kerja")


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(browser, site):
    page = site.page(browser, "demo-caseworker")
    page.goto("/participants/new")
    page.get_by_label("NIK").fill("7371091705900001")
    page.evaluate("document.querySelector('main form input[name=csrf_token]').value = 'forged'")
    page.get_by_role("button", name="Daftarkan").click()
    expect(page.locator("main")).to_contain_text("Formulir ditolak")
    cross_site = page.request.post("/participants/new", form={"nik": "7371091705900001", "name": "Andi"})
    assert cross_site.status == 400 and "Formulir ditolak" in cross_site.text()
    with site.app.app_context(), db.new_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0


def test_wrong_passwords_lock_the_account(browser, site):
    page = site.page(browser)
    for _ in range(5):
        page.goto("/login")
        page.get_by_label("Nama pengguna").fill("demo-bpjs")
        page.get_by_label("Kata sandi").fill("not-the-password")
        page.get_by_role("button", name="Masuk").click()
    expect(page.locator("#password-error")).to_contain_text("terlalu banyak kata sandi salah; coba lagi setelah")
    sign_in_page = site.page(browser)
    sign_in_page.goto("/login")
    sign_in_page.get_by_label("Nama pengguna").fill("demo-bpjs")
    sign_in_page.get_by_label("Kata sandi").fill(site.passwords["demo-bpjs"])
    sign_in_page.get_by_role("button", name="Masuk").click()
    expect(sign_in_page).to_have_url(re.compile("/login"))  # even the right password, while locked


def test_the_dtsen_import_shows_its_progress_and_error_report(browser, quiet_site, tmp_path):
    """The page polls the import's progress while a worker (this test, chunk by chunk) imports it."""
    site = quiet_site
    csv = tmp_path / "oktober.csv"
    csv.write_text("".join(generate(1500, invalid_share=0.02, duplicate_share=0.0, seed=3)))
    page = site.page(browser, "demo-caseworker")
    page.goto("/imports")
    page.get_by_label("Berkas DTSEN (CSV)").set_input_files(str(csv))
    page.get_by_role("button", name="Impor", exact=True).click()
    expect(page.locator("h1")).to_have_text("Impor 1")
    expect(page.locator("#progress")).to_contain_text("antre")
    seen = []

    def worker_step(batch):  # the worker's progress callback: let the page show this chunk before the next
        seen.append(batch.done)
        expect(page.locator("#progress")).to_contain_text(f"{batch.done} dari 1500 baris")

    with site.app.app_context(), db.new_session() as session:
        imports.run_import(session=session, batch_id=1, actor=actor_for(session=session, username="demo-caseworker"),
                           progress=worker_step)
    assert seen[-1] == 1500 and seen == sorted(seen)  # chunk by chunk (their size is the import's), each seen
    expect(page.locator("#progress")).to_contain_text("selesai")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    refused = page.locator("table tbody tr")
    expect(refused.first).to_be_visible()
    assert 10 <= refused.count() <= 80
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh laporan kesalahan (CSV)").click()
    assert download.value.path().read_text().startswith("line,column,reason")
    screenshot(page, "import")


def test_keyboard_only_sign_in_and_navigation(browser, site):
    page = site.page(browser)
    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Langsung ke isi")).to_be_focused()
    page.get_by_label("Nama pengguna").focus()
    page.keyboard.type("demo-supervisor")
    page.keyboard.press("Tab")
    page.keyboard.type(site.passwords["demo-supervisor"])
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Pelanggaran tenggat")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    expect(page.locator("main")).to_be_focused()


def test_pages_fit_a_phone(browser, site):
    phone = site.page(browser, "demo-primaya", viewport={"width": 390, "height": 844}, is_mobile=True,
                      has_touch=True)
    for path in ("/claims", "/claims/new", "/notifications"):
        phone.goto(path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
    phone.goto("/claims/new")
    screenshot(phone, "hospital-report-phone")
