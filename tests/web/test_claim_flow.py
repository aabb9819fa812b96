"""A claim from report to paid, in three browsers: the hospital's, BPJS's and the caseworker's; and what another
hospital's user can reach of it."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from berjasa.auth.service import actor_for
from berjasa.claims.models import Claim
from berjasa.db import db
from berjasa.enrolment import service as enrolments
from berjasa.registry import service as registry
from berjasa.registry.schemas import ParticipantCreateSchema
from berjasa.sla.service import tick
from tests.web.conftest import screenshot

NIK = "7371091705900001"


def test_a_claim_from_report_to_paid_by_three_people(browser, site):
    caseworker, bpjs, hospital = (site.page(browser, user) for user in ("demo-caseworker", "demo-bpjs",
                                                                         "demo-primaya"))
    enrol_and_activate(caseworker, bpjs)

    # the hospital reports the accident: the NIK look-up shows the cover on the accident date
    expect(hospital).to_have_url(re.compile(r"/claims$"))
    hospital.get_by_role("link", name="Laporkan kecelakaan").click()
    hospital.get_by_label("NIK").fill(NIK)
    hospital.get_by_label("Waktu kecelakaan (WITA)").fill("2026-03-01T09:30")
    hospital.get_by_role("button", name="Cek kepesertaan pada tanggal kecelakaan").click()
    expect(hospital.locator("#cover")).to_contain_text("Terlindungi pada 01-03-2026: JKK, JKM")
    describe_accident(hospital, "Pelabuhan Soekarno-Hatta", "Jatuh saat membongkar muatan; dua saksi",
                      "patah pergelangan tangan")
    expect(hospital.locator("h1")).to_contain_text("Klaim 1 dilaporkan")
    claim_url = hospital.url

    admit = hospital.locator("#form-admit")
    expect(admit.get_by_label("Rumah sakit")).to_have_value("RS-PRIMAYA")
    admit.get_by_label("Waktu masuk (WITA)").fill("2026-03-01T10:15")
    admit.get_by_label("Perawatan").select_option("inpatient")
    admit.get_by_role("button", name="Terima pasien").click()
    expect(hospital.locator("h1")).to_contain_text("dalam perawatan rumah sakit")

    # BPJS finds it first in its verification queue and verifies it
    bpjs.goto("/queues")
    verification = bpjs.locator("section", has=bpjs.get_by_role("heading", name="Verifikasi"))
    expect(verification.locator("tbody tr")).to_have_count(1)
    screenshot(bpjs, "bpjs-queues", docs=True)
    verification.get_by_role("link", name="Klaim 1").click()
    bpjs.locator("#form-verify").get_by_role("button", name="Verifikasi").click()
    expect(bpjs.locator(".history")).to_contain_text("demo-bpjs")

    hospital.goto(claim_url)
    treat = hospital.locator("#form-complete_treatment")
    treat.get_by_label("Waktu surat keterangan dokter (WITA)").fill("2026-03-10T10:00")
    treat.get_by_label("Hasil").select_option("recovered")
    treat.get_by_label("Waktu pulang (WITA)").fill("2026-03-10T12:00")
    treat.get_by_label("Biaya pengobatan (Rp)").fill("7.500.000")
    treat.get_by_role("button", name="Selesaikan perawatan").click()
    expect(hospital.locator(".checklist .missing")).to_have_count(5)

    # the caseworker hands the documents in: the checklist is complete
    caseworker.goto(claim_url)
    submit = caseworker.locator("#form-submit_documents")
    for document in ("kartu KPJ", "KTP", "surat keterangan dokter", "kuitansi perawatan", "kronologi dengan dua saksi"):
        submit.get_by_label(document, exact=True).check()
    submit.get_by_role("button", name="Serahkan dokumen").click()
    expect(caseworker.locator(".checklist .missing")).to_have_count(0)
    expect(caseworker.locator(".checklist .done")).to_have_count(5)

    # BPJS approves the suggested benefits and pays from its payment queue
    bpjs.goto("/queues")
    payment = bpjs.locator("section", has=bpjs.get_by_role("heading", name="Pembayaran"))
    payment.get_by_role("link", name="Klaim 1").click()
    approve = bpjs.locator("#form-approve")
    expect(approve.get_by_label("pengobatan", exact=True)).to_have_value("7500000")
    approve.get_by_role("button", name="Setujui").click()
    pay = bpjs.locator("#form-pay")
    expect(pay.get_by_label("Jumlah (Rp) 1")).to_have_value("7500000")
    pay.get_by_label("Penerima 1").fill("RS Primaya Makassar")
    pay.get_by_label("Referensi transfer 1").fill("TRF-2026-0001")
    pay.get_by_role("button", name="Bayar").click()
    expect(bpjs.locator("h1")).to_contain_text("dibayar")
    expect(bpjs.locator("dl.facts")).to_contain_text("Rp7.500.000")

    with site.app.app_context(), db.new_session() as session:
        claim = session.scalar(sa.select(Claim))
        assert (claim.state.value, claim.paid_total, claim.approved_total) == ("paid", 7_500_000, 7_500_000)
        assert claim.documents == ["chronology_with_witnesses", "doctor_statement", "kpj_card", "ktp",
                                   "treatment_receipts"]

    # each user's main page, as it now stands: the stage-I report was late (a breach), and an enrolment opened ten
    # days ago still waits for the caseworker's verification (overdue)
    overdue_enrolment(site.app)
    supervisor = site.page(browser, "demo-supervisor")
    caseworker.goto("/")
    expect(caseworker.locator("#overdue")).to_contain_text("1")
    expect(caseworker.locator(".clock.late")).to_contain_text("Verifikasi pendaftaran")
    screenshot(caseworker, "caseworker-worklist", docs=True)
    hospital.goto("/")
    screenshot(hospital, "hospital-claims", docs=True)
    expect(supervisor.locator(".breaches")).to_contain_text("Laporan tahap I")
    screenshot(supervisor, "supervisor-breaches", docs=True)
    caseworker.goto(claim_url)
    screenshot(caseworker, "claim-page")


def describe_accident(page, place: str, chronology: str, injury: str) -> None:
    """Fill the rest of the report form (a work-site accident reported by Nurhayati) and send it."""
    for label, value in (("Tempat", place), ("Kronologi", chronology), ("Cedera", injury),
                         ("Nama pelapor", "Nurhayati"), ("Telepon pelapor", "081234567890")):
        page.get_by_label(label).fill(value)
    page.get_by_label("Jenis kecelakaan").select_option("work_site")
    page.get_by_role("button", name="Laporkan", exact=True).click()


def overdue_enrolment(app) -> None:
    with app.app_context(), db.new_session() as session:
        with time_machine.travel(datetime.now(UTC) - timedelta(days=10), tick=True):
            person = registry.create_participant(session=session, data=ParticipantCreateSchema().load({
                "nik": "7371094508900001", "name": "Siti Aminah", "sex": "F", "birth_date": "1990-08-05",
                "kecamatan": "13", "cohort": "posyandu_kb_cadre"}))
            enrolments.create_enrolment(session=session, actor=actor_for(session=session, username="demo-caseworker"),
                                        participant_id=person.id)
        tick(session=session)


def enrol_and_activate(caseworker, bpjs) -> None:
    """The caseworker registers and enrols the worker; BPJS activates the membership from 1 January."""
    caseworker.goto("/participants/new")
    caseworker.get_by_label("NIK").fill(NIK)
    caseworker.get_by_label(re.compile(r"^Nama( \*)?$")).fill("Andi Rahman")
    caseworker.get_by_label("Jenis kelamin").select_option("M")
    caseworker.get_by_label("Tanggal lahir").fill("1990-05-17")
    caseworker.get_by_label("Kecamatan").select_option("09")
    caseworker.get_by_label("Kelompok").select_option("informal")
    caseworker.get_by_label("Desil DTSEN").fill("2")
    caseworker.get_by_label("Tanggal data DTSEN").fill("2025-10-01")
    caseworker.get_by_role("button", name="Daftarkan").click()
    expect(caseworker.locator("h1")).to_have_text("Andi Rahman")
    caseworker.get_by_role("button", name="Buka pendaftaran").click()
    caseworker.locator("#form-verify").get_by_role("button", name="Verifikasi").click()
    caseworker.locator("#form-send_to_bpjs").get_by_role("button", name="Kirim ke BPJS").click()
    expect(caseworker.locator("h1")).to_contain_text("dikirim ke BPJS")
    bpjs.goto(caseworker.url)
    activate = bpjs.locator("#form-activate")
    activate.get_by_label("Nomor KPJ").fill("26012345678")
    activate.get_by_label("Mulai perlindungan").fill("2026-01-01")
    activate.get_by_role("button", name="Aktifkan").click()
    expect(bpjs.locator("h1")).to_contain_text("aktif")


def test_another_hospital_cannot_reach_the_claim(browser, site):
    primaya = site.page(browser, "demo-primaya")
    primaya.get_by_role("link", name="Laporkan kecelakaan").click()
    primaya.get_by_label("NIK").fill(NIK)
    primaya.get_by_label("Waktu kecelakaan (WITA)").fill("2026-03-01T09:30")
    describe_accident(primaya, "Pasar Terong", "Tangan terpotong mesin", "luka")
    expect(primaya.locator("h1")).to_contain_text("Klaim 1")

    daya = site.page(browser, "demo-daya")
    expect(daya.locator("main")).not_to_contain_text("Klaim 1")
    response = daya.goto("/claims/1")
    assert response.status == 404
    expect(daya.locator("main")).to_contain_text("Halaman ini tidak ada, atau bukan untuk Anda lihat.")
    expect(daya.locator("main")).not_to_contain_text("Pasar Terong")
    response = daya.request.post("/claims/1/admit", form={"expected_version": "1"})
    assert response.status == 400  # no CSRF token: refused before anything else
