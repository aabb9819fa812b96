"""Where the cross-check issue plugs in: a timeline source (discrepancies opened and resolved), a section of the
monthly report and a join of the premium report (BPJS's invoices and the city's payments). Each is a list that a
new kind of thing is added to; these tests add one and see it come out."""

from berjasa.cases import timeline
from berjasa.enrolment import coverage
from berjasa.reports import monthly
from tests.sla.conftest import any_app, api, travel, wita  # noqa: F401  (fixtures)


def test_a_new_timeline_source_is_merged_in_time_order(api, any_app, travel, monkeypatch):  # noqa: F811
    travel(wita(2026, 3, 2, 9, 0))
    api.active(1)
    claim = api.report(1, accident_at="2026-03-02T08:00:00+08:00")

    def discrepancies(_session, _actor, case_type, case_id):
        yield timeline.Entry(wita(2026, 3, 2, 8, 30), "discrepancy_opened", {"check": "claim_without_cover",
                                                                            "case": [case_type, case_id]})

    monkeypatch.setattr(timeline, "SOURCES", [*timeline.SOURCES, discrepancies])
    entries = api.call("get", f"/claims/{claim['id']}/timeline", user="demo-supervisor").get_json()["entries"]
    assert [(e["at"], e["kind"]) for e in entries][:3] == [
        ("2026-03-02T08:00:00+08:00", "clock_started"), ("2026-03-02T08:00:00+08:00", "clock_started"),
        ("2026-03-02T08:30:00+08:00", "discrepancy_opened")]
    assert entries[2]["detail"] == {"check": "claim_without_cover", "case": ["claim", claim["id"]]}


def test_a_new_monthly_section_and_a_premium_join(api, any_app, monkeypatch):  # noqa: F811
    def invoices(month):
        return monthly.Section("invoices", "Premiums invoiced and paid", ["cohort", "invoiced", "paid"],
                               [["informal", 16_800, 16_800]])

    monkeypatch.setattr(monthly, "SECTIONS", [*monthly.SECTIONS, invoices])
    text = api.call("get", "/reports/monthly.csv?month=2026-03", user="demo-supervisor").get_data(as_text=True)
    assert text.endswith("2026-03,invoices,informal,invoiced,16800\r\n2026-03,invoices,informal,paid,16800\r\n")
    # (what a join adds is documented in PremiumReportSchema too, which the answer is dumped with)
    monkeypatch.setattr(coverage, "PREMIUM_JOINS", [lambda _session, month, report: {**report, "total": 16_800}])
    body = api.call("get", "/reports/premiums?month=2026-03", user="demo-supervisor").get_json()
    assert (body["month"], body["participants"], body["total"]) == ("2026-03", 0, 16_800)
