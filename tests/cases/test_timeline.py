"""A case's timeline: transitions, clocks, justifications and notifications in one list, in time order, and what
each role sees of it."""


from tests.reports.helpers import pump
from tests.sla.conftest import any_app, api, tick, travel, wita  # noqa: F401  (fixtures)

ACCIDENT = "2026-07-06T09:00:00+08:00"


def short(entry):
    detail = entry["detail"]
    what = {"transition": detail.get("trigger"), "breach_justified": detail.get("code"),
            "notification_sent": f"{detail.get('rule')} -> {detail.get('to')}"}.get(entry["kind"], detail.get("policy"))
    return entry["at"], entry["kind"], what


def story(api, app, travel):  # noqa: F811
    """A claim reported late by RS Primaya, left in care without an update, decided late by BPJS after a
    supervisor justified the breach."""
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    travel(wita(2026, 7, 9, 9, 0))  # three days after the accident: stage I is late
    claim = api.report(1, accident_at=ACCIDENT)
    pump(app, ("notifications",))
    travel(wita(2026, 7, 9, 10, 0))
    claim = api.admit(claim, at="2026-07-09T10:00:00+08:00")
    for moment in (wita(2026, 8, 3, 9, 0), wita(2026, 8, 8, 9, 0, 30)):
        travel(moment)
        tick(app, moment)
        pump(app, ("notifications",))
    breach = next(b for b in api.call("get", "/sla/breaches?policy=claim.bpjs_decision",
                                      user="demo-supervisor").get_json()["items"])
    travel(wita(2026, 8, 10, 9, 0))
    api.call("post", f"/sla/breaches/{breach['id']}/justification", user="demo-supervisor",
             json={"code": "awaiting_other_party", "note": "police report pending"})
    travel(wita(2026, 8, 10, 10, 0))
    claim = api.act(claim, "verify", "demo-bpjs")
    pump(app, ("notifications",))
    return claim


def test_the_supervisor_sees_everything_in_time_order(api, any_app, travel):  # noqa: F811
    claim = story(api, any_app, travel)
    body = api.call("get", f"/claims/{claim['id']}/timeline", user="demo-supervisor").get_json()
    assert (body["case_type"], body["case_id"]) == ("claim", claim["id"])
    assert [short(e) for e in body["entries"]] == EVERYTHING


CW, BPJS, PRIMAYA = "caseworker@DISNAKER-MKS", "bpjs_officer@BPJSTK-SULAMA", "hospital_staff@RS-PRIMAYA"
EVERYTHING = [
    # stage I counts from the accident: warned 12 h before its 48 h, breached, met late by the report
    ("2026-07-06T09:00:00+08:00", "clock_started", "claim.stage1_report"),
    ("2026-07-06T09:00:00+08:00", "clock_started", "claim.expiry"),
    ("2026-07-07T21:00:00+08:00", "clock_warned", "claim.stage1_report"),
    ("2026-07-08T09:00:00+08:00", "clock_breached", "claim.stage1_report"),
    ("2026-07-09T09:00:00+08:00", "transition", "create"),
    ("2026-07-09T09:00:00+08:00", "clock_met", "claim.stage1_report"),
    ("2026-07-09T09:00:00+08:00", "clock_started", "claim.bpjs_decision"),
    ("2026-07-09T09:00:00+08:00", "notification_sent", f"claim.reported_by_hospital -> {CW}"),
    ("2026-07-09T09:00:00+08:00", "notification_sent", f"claim.reported_by_hospital -> {BPJS}"),
    ("2026-07-09T09:00:00+08:00", "notification_sent", f"sla.breached -> {CW}"),
    ("2026-07-09T10:00:00+08:00", "transition", "admit"),
    # the weekly update: due 7 days after the admission, escalated 3 working days later (Thu -> Tue)
    ("2026-07-09T10:00:00+08:00", "clock_started", "claim.hospital_update"),
    ("2026-07-15T10:00:00+08:00", "clock_warned", "claim.hospital_update"),
    ("2026-07-16T10:00:00+08:00", "clock_breached", "claim.hospital_update"),
    ("2026-07-21T10:00:00+08:00", "clock_escalated", "claim.hospital_update"),
    # BPJS's 30 days: warned 5 days before
    ("2026-08-03T09:00:00+08:00", "clock_warned", "claim.bpjs_decision"),
    ("2026-08-03T09:00:00+08:00", "notification_sent", f"sla.breached -> {PRIMAYA}"),
    ("2026-08-03T09:00:00+08:00", "notification_sent", f"sla.breached -> {CW}"),
    ("2026-08-03T09:00:00+08:00", "notification_sent", "sla.escalated -> supervisor@DISNAKER-MKS"),
    ("2026-08-03T09:00:00+08:00", "notification_sent", f"sla.warning -> {BPJS}"),
    ("2026-08-08T09:00:00+08:00", "clock_breached", "claim.bpjs_decision"),
    ("2026-08-08T09:00:30+08:00", "notification_sent", f"sla.breached -> {BPJS}"),
    ("2026-08-08T09:00:30+08:00", "notification_sent", f"sla.breached -> {CW}"),
    ("2026-08-10T09:00:00+08:00", "breach_justified", "awaiting_other_party"),
    ("2026-08-10T10:00:00+08:00", "transition", "verify"),
    ("2026-08-10T10:00:00+08:00", "clock_met", "claim.bpjs_decision"),
    ("2026-08-10T10:00:00+08:00", "notification_sent", f"claim.verified -> {PRIMAYA}"),
]


def test_bpjs_and_hospitals_see_what_was_said_to_them_and_their_own_justifications(api, any_app, travel):  # noqa: F811
    claim = story(api, any_app, travel)
    every = [short(e) for e in api.call("get", f"/claims/{claim['id']}/timeline",
                                        user="demo-supervisor").get_json()["entries"]]
    for user, party in (("demo-bpjs", BPJS), ("demo-primaya", PRIMAYA)):
        seen = [short(e) for e in api.call("get", f"/claims/{claim['id']}/timeline", user=user).get_json()["entries"]]
        told = [e for e in every if e[1] != "notification_sent" or e[2].endswith(party)]
        assert seen == [e for e in told if e[1] != "breach_justified" or user == "demo-bpjs"]
    primaya = api.call("get", f"/claims/{claim['id']}/timeline", user="demo-primaya").get_json()["entries"]
    assert [e["detail"]["message"] for e in primaya if e["kind"] == "notification_sent"] == [
        "Pembaruan mingguan rumah sakit untuk klaim 1 terlambat: jatuh tempo 2026-07-16 10:00 WITA",
        "BPJS memverifikasi klaim 1"]
    assert api.call("get", f"/claims/{claim['id']}/timeline", user="demo-daya").status_code == 404


def test_a_transition_shows_who_did_it_for_which_party(api, any_app, travel):  # noqa: F811
    claim = story(api, any_app, travel)
    entries = api.call("get", f"/claims/{claim['id']}/timeline", user="demo-caseworker").get_json()["entries"]
    verify = next(e for e in entries if e["kind"] == "transition" and e["detail"]["trigger"] == "verify")
    assert {k: verify["detail"][k] for k in ("seq", "from_state", "to_state", "actor", "role", "party")} == {
        "seq": 3, "from_state": "hospital_care", "to_state": "hospital_care", "actor": "demo-bpjs",
        "role": "bpjs_officer", "party": "BPJSTK-SULAMA"}
    met = next(e for e in entries if e["kind"] == "clock_met" and e["detail"]["policy"] == "claim.bpjs_decision")
    assert (met["detail"]["party"], met["detail"]["late_seconds"]) == ("bpjs", 2 * 86400 + 3600)
    justified = next(e for e in entries if e["kind"] == "breach_justified")
    assert (justified["detail"]["by"], justified["detail"]["note"]) == ("demo-supervisor", "police report pending")


def test_an_enrolment_has_a_timeline_too(api, any_app, travel):  # noqa: F811
    travel(wita(2026, 1, 5, 9, 0))
    enrolment = api.enrolment(api.participant(4)["id"])
    for day, (trigger, user, data) in enumerate([
            ("verify", "demo-caseworker", {}), ("send_to_bpjs", "demo-caseworker", {}),
            ("activate", "demo-bpjs", {"kpj_number": "26000000004", "coverage_start": "2026-01-01",
                                       "programmes": ["jkk", "jkm"]})], start=6):
        travel(wita(2026, 1, day, 9, 0))
        enrolment = api.fire(enrolment, trigger, user, data)
    entries = api.call("get", f"/enrolments/{enrolment['id']}/timeline").get_json()["entries"]
    assert [(e["kind"], e["detail"].get("trigger") or e["detail"].get("policy")) for e in entries] == [
        ("transition", "create"), ("clock_started", "enrolment.verification"),
        ("transition", "verify"), ("clock_met", "enrolment.verification"),
        ("transition", "send_to_bpjs"), ("clock_started", "enrolment.activation"),
        ("transition", "activate"), ("clock_met", "enrolment.activation")]
    assert api.call("get", f"/enrolments/{enrolment['id']}/timeline", user="demo-primaya").status_code == 403
