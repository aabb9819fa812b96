"""The claims report of a small history, its figures worked out by hand.

  P  Panakkukang (09); accident 4 May 08:00, reported by RS Primaya 4 May 20:00 (0.5 days), admitted, verified 6 May
     20:00 (2 days after the report), documents complete 11 May 08:00, paid 19 May 08:00 (8 days after them):
     medical 5,000,000, transport 250,000, STMB 1,200,000; closed
  Q  Rappocini (13); accident 5 May 08:00, reported by a caseworker 7 May 08:00 (2 days), rejected 4 Jun 08:00 (28
     days)
  R  Mariso (01); a commute, accident 1 Jun 08:00, reported by RSUD Daya 1 Jun 14:00 (0.25 days), in its care
"""

from tests.reports.helpers import pump
from tests.sla.conftest import any_app, api, travel, wita  # noqa: F401  (fixtures)

DOCS = ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses"]


def history(api, app, travel):  # noqa: F811
    travel(wita(2026, 1, 5, 9, 0))
    for serial, kecamatan in ((1, "09"), (2, "13"), (3, "01")):
        api.active(serial, kecamatan=kecamatan)
    steps = [
        (wita(2026, 5, 4, 20, 0), "P", "report", "demo-primaya", {"accident_at": "2026-05-04T08:00:00+08:00"}),
        (wita(2026, 5, 4, 21, 0), "P", "admit", "demo-primaya", {"hospital": "RS-PRIMAYA", "care": "inpatient",
                                                                 "admitted_at": "2026-05-04T21:00:00+08:00"}),
        (wita(2026, 5, 6, 20, 0), "P", "verify", "demo-bpjs", {}),
        (wita(2026, 5, 7, 8, 0), "Q", "report", "demo-caseworker", {"accident_at": "2026-05-05T08:00:00+08:00"}),
        (wita(2026, 5, 10, 9, 0), "P", "complete_treatment", "demo-primaya", {
            "doctor_statement_at": "2026-05-10T08:00:00+08:00", "outcome": "recovered",
            "discharged_at": "2026-05-10T09:00:00+08:00", "medical_cost": 5_000_000}),
        (wita(2026, 5, 11, 8, 0), "P", "submit_documents", "demo-primaya", {"documents": DOCS}),
        (wita(2026, 5, 15, 8, 0), "P", "approve", "demo-bpjs", {
            "benefits": {"medical": 5_000_000, "transport": 250_000, "stmb": 1_200_000}}),
        (wita(2026, 5, 19, 8, 0), "P", "pay", "demo-bpjs", {"payments": [
            {"line": "medical", "payee": "RS Primaya Makassar", "amount": 5_000_000, "reference": "TRF-1"},
            {"line": "transport", "payee": "Andi Rahman", "amount": 250_000, "reference": "TRF-2"},
            {"line": "stmb", "payee": "Andi Rahman", "amount": 1_200_000, "reference": "TRF-3"}]}),
        (wita(2026, 5, 20, 8, 0), "P", "close", "demo-caseworker", {}),
        (wita(2026, 6, 1, 14, 0), "R", "report", "demo-daya", {"accident_at": "2026-06-01T08:00:00+08:00",
                                                               "accident_type": "commute"}),
        (wita(2026, 6, 1, 15, 0), "R", "admit", "demo-daya", {"hospital": "RSUD-DAYA", "care": "outpatient",
                                                              "admitted_at": "2026-06-01T15:00:00+08:00"}),
        (wita(2026, 6, 4, 8, 0), "Q", "reject", "demo-bpjs", {"reason_code": "not_covered", "note": "lapsed"}),
    ]
    claims, serials = {}, {"P": 1, "Q": 2, "R": 3}
    for moment, name, trigger, user, data in steps:
        travel(moment)
        if trigger == "report":
            claims[name] = api.report(serials[name], user=user, **data)
        else:
            claims[name] = api.act(claims[name], trigger, user, data)
    travel(wita(2026, 7, 1, 9, 0))
    pump(app)
    return claims


def report(api, user="demo-supervisor", query="from=2026-05&to=2026-06"):  # noqa: F811
    response = api.call("get", f"/reports/claims?{query}", user=user)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_claims_report_is_as_worked_out_by_hand(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)
    body = report(api)
    assert (body["from"], body["to"], body["reported"]) == ("2026-05-01", "2026-06-30", 3)
    assert {s["state"]: s["claims"] for s in body["by_state"] if s["claims"]} == {
        "closed": 1, "rejected": 1, "hospital_care": 1}
    assert {t["accident_type"]: t["claims"] for t in body["by_accident_type"]} == {
        "work_site": 2, "commute": 1, "occupational_disease": 0, "violence": 0}
    assert body["decisions"] == {"verified": 1, "rejected": 1}
    assert body["paid"] == {"claims": 1, "amount": 6_450_000}
    assert [(b["line"], b["claims"], b["amount"]) for b in body["benefits"]] == [
        ("medical", 1, 5_000_000), ("transport", 1, 250_000), ("stmb", 1, 1_200_000), ("disability", 0, 0),
        ("death", 0, 0), ("funeral", 0, 0)]
    assert body["durations"] == {
        "accident_to_report": {"claims": 3, "median_days": 0.5, "p90_days": 2.0},
        "report_to_decision": {"claims": 2, "median_days": 2.0, "p90_days": 28.0},
        "documents_to_payment": {"claims": 1, "median_days": 8.0, "p90_days": 8.0}}
    by_kecamatan = {k["kecamatan"]: (k["name"], k["claims"], k["decided"], k["paid"], k["paid_amount"],
                                     k["durations"]["report_to_decision"]["median_days"]) for k in body["by_kecamatan"]}
    # where claims wait longest for BPJS: Rappocini
    assert by_kecamatan == {"01": ("Mariso", 1, 0, 0, 0, None), "09": ("Panakkukang", 1, 1, 1, 6_450_000, 2.0),
                            "13": ("Rappocini", 1, 1, 0, 0, 28.0)}
    assert [(h["hospital"], h["claims"], h["decided"], h["paid"]) for h in body["by_hospital"]] == [
        ("RS-PRIMAYA", 1, 1, 1), ("RSUD-DAYA", 1, 0, 0)]


def test_a_month_counts_the_reports_made_and_the_decisions_taken_in_it(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)
    june = report(api, query="from=2026-06&to=2026-06")
    # R was reported in June; Q, reported in May, was decided in June
    assert (june["reported"], june["decisions"], june["paid"]["claims"]) == (1, {"verified": 0, "rejected": 1}, 0)
    assert june["durations"]["report_to_decision"] == {"claims": 1, "median_days": 28.0, "p90_days": 28.0}


def test_hospitals_see_their_claims_and_bpjs_all(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)
    assert report(api, "demo-bpjs")["reported"] == report(api, "demo-caseworker")["reported"] == 3
    primaya = report(api, "demo-primaya")
    assert (primaya["reported"], primaya["paid"], [h["hospital"] for h in primaya["by_hospital"]]) == (
        1, {"claims": 1, "amount": 6_450_000}, ["RS-PRIMAYA"])
    daya = report(api, "demo-daya")
    assert (daya["reported"], daya["decisions"], [k["kecamatan"] for k in daya["by_kecamatan"]]) == (
        1, {"verified": 0, "rejected": 0}, ["01"])
