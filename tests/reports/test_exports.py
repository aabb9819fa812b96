"""Exports: the monthly report as JSON, CSV and a printable page; CSV headers, encoding (UTF-8 with a byte-order
mark, CRLF) and cells a spreadsheet must not take for formulas; who may export what."""

from berjasa.reports.export import csv_text
from tests.conftest import bearer
from tests.reports.test_claims_report import history
from tests.sla.conftest import any_app, api, travel  # noqa: F401  (fixtures)


def accepting(api, path, user, accept):  # noqa: F811
    return api.client.get(f"/api/v1{path}", headers={**bearer(api.tokens[user]), "Accept": accept})


def test_the_monthly_report_as_csv_one_line_per_figure(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)
    response = api.call("get", "/reports/monthly.csv?month=2026-05", user="demo-supervisor")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="berjasa-2026-05.csv"'
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbfmonth,section,row,column,value\r\n")
    lines = raw.decode("utf-8-sig").split("\r\n")
    # in May: P and Q reported (0.5 and 2 days after their accidents), P verified and paid
    for line in ["2026-05,claims,reported,claims,2", "2026-05,claims,reported,median days,0.5",
                 "2026-05,claims,reported,p90 days,2.0", "2026-05,claims,reported: commute,claims,0",
                 "2026-05,claims,BPJS decisions: work accident (verified),claims,1",
                 "2026-05,claims,BPJS decisions: all,median days,2.0", "2026-05,claims,paid,rupiah,6450000",
                 "2026-05,claims,paid,median days,8.0", "2026-05,benefits,medical,rupiah,5000000",
                 "2026-05,benefits,stmb,claims,1", "2026-05,benefits,total,rupiah,6450000",
                 "2026-05,kecamatan,Panakkukang,reported,1", "2026-05,kecamatan,Rappocini,decided,0",
                 "2026-05,sla,claim.bpjs_decision,met on time,1", "2026-05,sla,claim.bpjs_decision,compliance %,100.0",
                 "2026-05,coverage,participants covered at the end of the month,value,3",
                 "2026-05,coverage,\"UCJ target 2026, %\",value,72.5"]:
        assert line in lines, line
    assert "2026-05,claims,reported,rupiah," in lines  # nothing there: an empty cell
    again = accepting(api, "/reports/monthly?month=2026-05", "demo-supervisor", "text/csv")
    assert again.get_data() == raw and again.headers["Vary"] == "Accept"


def test_the_monthly_report_as_json_and_as_a_printable_page(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)
    body = api.call("get", "/reports/monthly?month=2026-06", user="demo-caseworker").get_json()
    assert (body["month"], body["from"], body["to"]) == ("2026-06", "2026-06-01", "2026-06-30")
    assert [s["key"] for s in body["sections"]] == ["claims", "benefits", "kecamatan", "sla", "coverage", "premiums",
                                                    "discrepancies"]
    claims = {row[0]: row[1:] for row in body["sections"][0]["rows"]}
    assert claims["reported"] == [1, None, 0.25, 0.25] and claims["BPJS decisions: rejected"][0] == 1
    page = api.call("get", "/reports/monthly.html?month=2026-05", user="demo-admin")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.get_data(as_text=True)
    assert "<h1>Makassar Berjasa: laporan bulanan 2026-05</h1>" in html
    assert "<h2>Benefits paid per line</h2>" in html and '<td class="n">6.450.000</td>' in html
    assert html.count("<table>") == 7 and "@page { size: A4" in html
    negotiated = accepting(api, "/reports/monthly?month=2026-05", "demo-admin", "text/html")
    assert negotiated.get_data(as_text=True) == html.replace(
        html.split("dibuat ")[1].split(" ")[0], negotiated.get_data(as_text=True).split("dibuat ")[1].split(" ")[0])


def test_only_disnaker_exports_the_monthly_report(api, any_app):  # noqa: F811
    for user, status in (("demo-caseworker", 200), ("demo-supervisor", 200), ("demo-admin", 200),
                         ("demo-bpjs", 403), ("demo-primaya", 403)):
        for path in ("/reports/monthly?month=2026-05", "/reports/monthly.csv?month=2026-05"):
            assert api.call("get", path, user=user).status_code == status, (user, path)
    missing = api.call("get", "/reports/monthly", user="demo-supervisor")
    assert missing.status_code == 422 and missing.get_json()["errors"] == {
        "query.month": ["Missing data for required field."]}


def test_the_scorecard_as_csv(api, any_app):  # noqa: F811
    response = accepting(api, "/reports/sla?group_by=policy&from=2026-01&to=2026-02", "demo-supervisor", "text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sla-policy-2026-01-01-2026-02-28.csv"'
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeffgroup_by,group,name,period,from,to,started,met_on_time,met_late,cancelled,"
                           "cancelled_late,breached,breached_open,justified,closed,compliance_pct,used_median_pct,"
                           "used_p90_pct,overdue_now\r\n")
    assert text == "\ufeff" + text.splitlines()[0][1:] + "\r\n"  # no clock yet: the header alone
    plain = api.call("get", "/reports/sla?group_by=policy&from=2026-01&to=2026-02", user="demo-supervisor")
    assert plain.headers["Content-Type"] == "application/json"


def test_a_cell_that_looks_like_a_formula_is_kept_as_text():
    assert csv_text(["name", "n"], [["=HYPERLINK(\"http://x\")", 3], ["-1+2", -1], ["Rp 1.000", None],
                                    ["Makassar, Sulawesi", 0]]) == (
        "\ufeffname,n\r\n\"'=HYPERLINK(\"\"http://x\"\")\",3\r\n'-1+2,-1\r\nRp 1.000,\r\n\"Makassar, Sulawesi\",0\r\n")
