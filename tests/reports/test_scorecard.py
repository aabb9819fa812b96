"""The SLA scorecard of a small history built by hand through the API, its figures worked out by hand below.

Four claims, reported by a caseworker for people covered since January:
  A  accident 2 Mar 09:00, reported 2 Mar 21:00 (12 h: 25% of stage I's 48 h), verified 17 Mar 21:00 (15 days: 50%
     of BPJS's 30 days)
  B  accident 3 Mar 09:00, reported 4 Mar 09:00 (24 h: 50%), admitted at RS Primaya 4 Mar 10:00, care update 7 Mar
     22:00 (3.5 days: 50% of the week), verified 10 Mar 09:00 (6 days: 20%), treatment completed 12 Mar 22:00 (the
     second week's run 5 days: 71.4%, shown 70), doctor's statement 12 Mar 10:00: stage II due 14 Mar 10:00, never
     submitted (breached in March, still open)
  C  accident 5 Mar 09:00, reported 6 Mar 21:00 (36 h: 75%), never decided: BPJS's clock due 5 Apr 21:00, breached,
     justified by a supervisor on 7 Apr
  D  accident 9 Mar 09:00, a commute, reported 10 Mar 09:00 (24 h: 50%), rejected 24 Apr 09:00 (45 days: 150%, due 9
     Apr: breached in April, met late); the rejection also meets its 5-year expiry clock (46 days of 1,826: 2.5%,
     shown 5)
Every claim's expiry clock starts at its accident (March); A, B and C's run on.

By party, March and April 2026 (time used to the nearest 5%; median and p90 nearest-rank):
  disnaker  March: started 8 (4 stage I, 4 expiry), met on time 4 (stage I: 25, 50, 75, 50 %) -> 100%, median 50,
            p90 75; April: met on time 1 (D's expiry, 5%); total 5 met on time, median 50, p90 75
  bpjs      March: started 4, met on time 2 (20%, 50%) -> median 20, p90 50; April: breached 2 (C, D), still open 1
            (C), justified 1 (C), met late 1 (D, 150%) -> compliance 0%; total closed 3, 66.7%, median 50, p90 150;
            overdue now 1 (C)
  hospital  March: started 3 (two weekly runs, stage II), met on time 2 (50%, 70%), breached 1 still open (stage II);
            overdue now 1
"""

from tests.reports.helpers import pump
from tests.sla.conftest import any_app, api, tick, travel, wita  # noqa: F401  (fixtures)

NOW = wita(2026, 5, 15, 10, 0)


def history(api, app, travel):  # noqa: F811
    travel(wita(2026, 1, 5, 9, 0))
    for serial, kecamatan in ((1, "09"), (2, "09"), (3, "13"), (4, "01")):
        api.active(serial, kecamatan=kecamatan)

    def report(serial, moment, accident, **more):
        travel(moment)
        return api.report(serial, user="demo-caseworker", accident_at=accident.isoformat(), **more)

    a = report(1, wita(2026, 3, 2, 21, 0), wita(2026, 3, 2, 9, 0))
    b = report(2, wita(2026, 3, 4, 9, 0), wita(2026, 3, 3, 9, 0))
    travel(wita(2026, 3, 4, 10, 0))
    b = api.admit(b, user="demo-caseworker", at="2026-03-04T10:00:00+08:00")
    c = report(3, wita(2026, 3, 6, 21, 0), wita(2026, 3, 5, 9, 0))
    travel(wita(2026, 3, 7, 22, 0))
    b = api.act(b, "update_care", "demo-primaya", {"note": "stable"})
    d = report(4, wita(2026, 3, 10, 9, 0), wita(2026, 3, 9, 9, 0), accident_type="commute")
    travel(wita(2026, 3, 10, 9, 0))
    b = api.act(b, "verify", "demo-bpjs")
    travel(wita(2026, 3, 12, 22, 0))
    b = api.act(b, "complete_treatment", "demo-primaya", {
        "doctor_statement_at": "2026-03-12T10:00:00+08:00", "outcome": "recovered",
        "discharged_at": "2026-03-12T12:00:00+08:00", "medical_cost": 4_000_000})
    travel(wita(2026, 3, 17, 21, 0))
    api.act(a, "verify", "demo-bpjs")
    tick(app, wita(2026, 4, 6, 9, 0))
    travel(wita(2026, 4, 7, 9, 0))
    breach = api.call("get", "/sla/breaches?policy=claim.bpjs_decision", user="demo-supervisor").get_json()["items"][0]
    assert breach["case_id"] == c["id"]
    api.call("post", f"/sla/breaches/{breach['id']}/justification", user="demo-supervisor",
             json={"code": "awaiting_other_party", "note": "the employer has not answered"})
    travel(wita(2026, 4, 24, 9, 0))
    api.act(d, "reject", "demo-bpjs", {"reason_code": "not_work_accident", "note": "on leave that day"})
    travel(NOW)
    tick(app, NOW)
    pump(app)


def figures(period, *names):
    return tuple(period[name] for name in names)


NAMES = ("started", "met_on_time", "met_late", "closed", "breached", "breached_open", "justified", "compliance_pct",
         "used_median_pct", "used_p90_pct")


def test_the_scorecard_by_party_is_as_worked_out_by_hand(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)
    body = api.call("get", "/reports/sla?group_by=party&from=2026-03&to=2026-04", user="demo-supervisor").get_json()
    assert (body["from"], body["to"], body["interval"]) == ("2026-03-01", "2026-04-30", "month")
    groups = {g["group"]: g for g in body["groups"]}
    assert sorted(groups) == ["bpjs", "disnaker", "hospital"]
    table = {(name, p["period"]): figures(p, *NAMES) for name, g in groups.items()
             for p in (*g["periods"], {**g["total"], "period": "total"})}
    assert table == {
        ("disnaker", "2026-03"): (8, 4, 0, 4, 0, 0, 0, 100.0, 50.0, 75.0),
        ("disnaker", "2026-04"): (0, 1, 0, 1, 0, 0, 0, 100.0, 5, 5),
        ("disnaker", "total"): (8, 5, 0, 5, 0, 0, 0, 100.0, 50.0, 75.0),
        ("bpjs", "2026-03"): (4, 2, 0, 2, 0, 0, 0, 100.0, 20.0, 50.0),
        ("bpjs", "2026-04"): (0, 0, 1, 1, 2, 1, 1, 0.0, 150.0, 150.0),
        ("bpjs", "total"): (4, 2, 1, 3, 2, 1, 1, 66.7, 50.0, 150.0),
        ("hospital", "2026-03"): (3, 2, 0, 2, 1, 1, 0, 100.0, 50, 70),
        ("hospital", "2026-04"): (0, 0, 0, 0, 0, 0, 0, None, None, None),
        ("hospital", "total"): (3, 2, 0, 2, 1, 1, 0, 100.0, 50, 70),
    }
    assert {name: g["overdue_now"] for name, g in groups.items()} == {"disnaker": 0, "bpjs": 1, "hospital": 1}
    trend = {m["month"]: (m["started"], m["closed"], m["compliance_pct"]) for m in groups["bpjs"]["trend"]}
    assert list(trend)[0] == "2025-05" and list(trend)[-1] == "2026-04" and len(trend) == 12
    assert (trend["2026-03"], trend["2026-04"], trend["2026-02"]) == ((4, 2, 100.0), (0, 1, 0.0), (0, 0, None))


def test_by_hospital_kecamatan_and_policy(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)

    def totals(group_by):
        body = api.call("get", f"/reports/sla?group_by={group_by}&from=2026-03&to=2026-04&interval=quarter",
                        user="demo-caseworker").get_json()
        assert [p["period"] for g in body["groups"] for p in g["periods"]] == ["2026-Q1", "2026-Q2"] * len(
            body["groups"])
        return {g["group"]: figures(g["total"], "started", "met_on_time", "met_late", "breached", "justified")
                for g in body["groups"]}

    assert totals("hospital") == {"RS-PRIMAYA": (3, 2, 0, 1, 0)}
    # A and B live in Panakkukang (09), C in Rappocini (13), D in Mariso (01)
    assert totals("kecamatan") == {"01": (3, 2, 1, 1, 0), "09": (9, 6, 0, 1, 0), "13": (3, 1, 0, 1, 1)}
    # the enrolments' clocks ran in January: in the trend, not in these months
    assert totals("policy") == {"claim.bpjs_decision": (4, 2, 1, 2, 1), "claim.expiry": (4, 1, 0, 0, 0),
                                "claim.hospital_update": (2, 2, 0, 0, 0), "claim.stage1_report": (4, 4, 0, 0, 0),
                                "claim.stage2_report": (1, 0, 0, 1, 0), "enrolment.activation": (0, 0, 0, 0, 0),
                                "enrolment.verification": (0, 0, 0, 0, 0)}


def test_bpjs_and_hospitals_see_their_own_rows(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)

    def groups(user, group_by="party"):
        body = api.call("get", f"/reports/sla?group_by={group_by}&from=2026-03&to=2026-04", user=user).get_json()
        return {g["group"]: g["total"]["started"] for g in body["groups"]}

    assert groups("demo-supervisor") == {"bpjs": 4, "disnaker": 8, "hospital": 3}
    assert groups("demo-admin") == groups("demo-caseworker") == groups("demo-supervisor")
    assert groups("demo-bpjs") == {"bpjs": 4}
    assert groups("demo-bpjs", "kecamatan") == {"01": 1, "09": 2, "13": 1}  # BPJS's clocks only
    assert groups("demo-primaya") == {"hospital": 3}
    assert groups("demo-primaya", "policy") == {"claim.hospital_update": 2, "claim.stage2_report": 1}
    assert groups("demo-daya") == {}
    csv = api.call("get", "/reports/sla.csv?group_by=party&from=2026-03&to=2026-04", user="demo-bpjs")
    assert {line.split(",")[1] for line in csv.get_data(as_text=True).splitlines()[1:]} == {"bpjs"}


def test_redelivered_events_and_a_rebuild_change_no_figure(api, any_app, travel):  # noqa: F811
    from berjasa.db import db
    from berjasa.events.models import OutboxEvent
    from berjasa.reports.projections import rebuild_all
    from berjasa.transaction import unit_of_work

    history(api, any_app, travel)
    path = "/reports/sla?group_by=kecamatan&from=2026-03&to=2026-04"
    before = api.call("get", path, user="demo-supervisor").get_json()["groups"]
    with any_app.app_context(), db.new_session() as session, unit_of_work(session):
        session.execute(OutboxEvent.__table__.update().values(published_at=None))  # every event handed over again
    assert pump(any_app) > 30
    assert api.call("get", path, user="demo-supervisor").get_json()["groups"] == before
    with any_app.app_context(), db.new_session() as session, unit_of_work(session):
        counted = rebuild_all(session)
    # 15 clocks of the claims, 2 of each enrolment; 4 claims; 4 coverage periods; 16 stays (4 events per enrolment)
    assert counted == {"sla": 23, "claims": 4, "enrolment_stays": 16, "coverage": 4}
    assert api.call("get", path, user="demo-supervisor").get_json()["groups"] == before


def test_bad_arguments_are_refused_by_name(api, any_app):  # noqa: F811
    def errors(query):
        response = api.call("get", f"/reports/sla?{query}", user="demo-supervisor")
        assert response.status_code == 422
        return response.get_json()["errors"]

    assert errors("group_by=city") == {"query.group_by": ["Must be one of: party, hospital, kecamatan, policy."]}
    assert errors("from=2026-05&to=2026-04") == {"query.from": ["must not be after `to`"]}
    assert errors("from=2026-13") == {"query.from": ["a month, YYYY-MM (or a day, YYYY-MM-DD, for its month)"]}
    assert errors("from=2000-01&to=2026-01") == {"query.from": ["at most 120 months before `to`"]}
    assert errors("interval=week") == {"query.interval": ["Must be one of: month, quarter, year."]}
    assert errors("week=1") == {"query.week": ["Unknown field."]}


def test_the_trend_runs_twelve_months_to_the_last_month_asked_for(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)
    body = api.call("get", "/reports/sla?group_by=party&to=2026-03", user="demo-supervisor").get_json()
    assert (body["from"], body["to"]) == ("2025-04-01", "2026-03-31")  # default: the 12 months up to `to`
    bpjs = next(g for g in body["groups"] if g["group"] == "bpjs")
    assert [p["period"] for p in bpjs["periods"]] == [m["month"] for m in bpjs["trend"]]
