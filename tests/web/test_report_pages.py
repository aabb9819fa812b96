"""The scorecards and the programme reports as pages: who may open them, the figures of histories worked out by hand
in tests/reports (the same numbers, in the chart's table and in words), a wrong period refused next to its field,
and the CSV and printable exports behind their links."""

import csv
import io

from berjasa import demo
from tests.reports.test_claims_report import history as claims_history
from tests.reports.test_scorecard import history as sla_history
from tests.sla.conftest import any_app, api, travel  # noqa: F401  (fixtures)
from tests.web.html import table_rows, words
from tests.web.test_pages import sign_in


def signed_in(app, username):
    client = app.test_client()
    sign_in(client, username, demo.passwords(secret_key=app.config["SECRET_KEY"])[username])
    return client


def test_the_scorecard_page_shows_the_hand_worked_figures_as_a_chart_and_a_table(api, any_app, travel):  # noqa: F811
    sla_history(api, any_app, travel)
    supervisor = signed_in(any_app, "demo-supervisor")
    page = supervisor.get("/scorecards?group_by=party&from=2026-03&to=2026-04")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    # party, started, closed, on time, late, breached, justified, on time %, time used median and p90, overdue now
    assert table_rows(body, "Angka untuk seluruh rentang")[1:] == [
        ["BPJS", "4", "3", "2", "1", "2", "1", "66,7%", "50%", "150%", "1"],
        ["Disnaker", "8", "5", "5", "0", "0", "0", "100%", "50%", "75%", "0"],
        ["rumah sakit", "3", "2", "2", "0", "1", "0", "100%", "50%", "70%", "1"],
    ]
    assert table_rows(body)[-4:] == [["Pihak", "2026-03", "2026-04"], ["BPJS", "100%", "0%"],
                                     ["Disnaker", "100%", "100%"], ["rumah sakit", "100%", "-"]]
    # the chart: one bar per party, its value as the table shows it
    assert body.count("<rect ") == 3 and "<title>BPJS: 66,7%</title>" in body
    assert 'aria-label="Ditutup tepat waktu, dalam persen dari tenggat yang ditutup"' in body
    link = "/scorecards.csv?group_by=party&amp;interval=month&amp;from=2026-03&amp;to=2026-04"
    assert link in body
    exported = supervisor.get(link.replace("&amp;", "&"))
    lines = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert exported.mimetype == "text/csv"
    assert [(r["group"], r["period"], r["compliance_pct"]) for r in lines if r["period"] == "total"] == [
        ("bpjs", "total", "66.7"), ("disnaker", "total", "100.0"), ("hospital", "total", "100.0")]


def test_a_wrong_period_is_refused_next_to_its_field(api, any_app):  # noqa: F811
    supervisor = signed_in(any_app, "demo-supervisor")
    page = supervisor.get("/scorecards?from=2026-05&to=2026-03&group_by=kecamatan")
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert '<p class="error" id="card-from-error">must not be after `to`</p>' in body
    assert 'value="2026-05"' in body and "<svg" not in body  # what was typed stays; no figures
    bad = supervisor.get("/scorecards?group_by=ward")
    assert bad.status_code == 422 and 'id="card-group_by-error"' in bad.get_data(as_text=True)


def test_who_may_open_the_scorecards_and_reports(api, any_app):  # noqa: F811
    for username, scorecards, reports in (("demo-supervisor", 200, 200), ("demo-caseworker", 403, 200),
                                          ("demo-bpjs", 403, 403), ("demo-primaya", 403, 403)):
        client = signed_in(any_app, username)
        assert (client.get("/scorecards").status_code, client.get("/reports").status_code) == (scorecards, reports)
        assert client.get("/scorecards.csv").status_code == scorecards
        assert client.get("/reports/monthly.html?month=2026-05").status_code == reports
    supervisor = signed_in(any_app, "demo-supervisor")
    nav = words(supervisor.get("/scorecards").get_data(as_text=True))
    assert "Kartu skor SLA" in nav and "belum tersedia" not in nav.lower()


def test_the_reports_page_has_the_claims_report_and_coverage(api, any_app, travel):  # noqa: F811
    claims_history(api, any_app, travel)
    caseworker = signed_in(any_app, "demo-caseworker")
    page = caseworker.get("/reports?from=2026-05&to=2026-06&on=2026-07-01&month=2026-06")
    body = page.get_data(as_text=True)
    text = words(body)
    assert page.status_code == 200
    assert ("3 klaim dilaporkan dari 2026-05-01 sampai 2026-06-30; 1 diverifikasi dan 1 ditolak BPJS; 1 dibayar, "
            "seluruhnya Rp6.450.000.") in text
    states = {row[0]: row[1] for row in table_rows(body, "Klaim yang dilaporkan, menurut statusnya sekarang")[1:]}
    assert (states["ditutup"], states["ditolak"], states["dalam perawatan rumah sakit"], states["dilaporkan"]) == (
        "1", "1", "1", "0")
    assert table_rows(body, "Lama proses, dalam hari")[1:] == [
        ["kecelakaan sampai laporan", "3", "0.5", "2.0"], ["laporan sampai keputusan BPJS", "2", "2.0", "28.0"],
        ["dokumen lengkap sampai pembayaran", "1", "8.0", "8.0"]]
    assert table_rows(body, "Menurut kecamatan")[1:] == [
        ["Mariso", "1", "0", "0", "Rp0"], ["Panakkukang", "1", "1", "1", "Rp6.450.000"],
        ["Rappocini", "1", "1", "0", "Rp0"]]
    assert "Pada 2026-07-01: 3 peserta aktif." in text
    assert "Tidak ada cakupan seluruh kota" in text  # no denominators configured here
    ucj = {row[0]: row[1] for row in table_rows(body, "Cakupan (UCJ) per kecamatan, dalam persen")[1:]}
    assert (ucj["Mariso"], ucj["Panakkukang"], ucj["Rappocini"], ucj["Tamalate"]) == ("1", "1", "1", "0")
    assert '<a href="/reports/monthly.html?month=2026-06">halaman cetak</a>' in body
    printable = caseworker.get("/reports/monthly.html?month=2026-06")
    assert printable.mimetype == "text/html" and "2026-06" in printable.get_data(as_text=True)
    monthly = caseworker.get("/reports/monthly.csv?month=2026-06").get_data(as_text=True)
    assert monthly.lstrip("\ufeff").startswith("month,section,row,column,value")


def test_a_wrong_report_query_is_refused_next_to_its_field_and_the_rest_still_shows(api, any_app):  # noqa: F811
    caseworker = signed_in(any_app, "demo-caseworker")
    page = caseworker.get("/reports?from=2026-13&on=2026-02-30&month=2026-05")
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="claims-from-error"' in body and 'id="coverage-on-error"' in body
    assert "peserta terlindungi pada 2026-05" in words(body)  # the premium liability, whose query is right
    assert caseworker.get("/reports/monthly.html?month=May").status_code == 422
