"""A claim's clocks through the API, on SQLite and PostgreSQL, with the clock moved instead of waited for."""

from datetime import timedelta

import sqlalchemy as sa

from berjasa.events.models import OutboxEvent
from berjasa.sla.models import Breach
from tests.claims.helpers import DOCS
from tests.sla.conftest import outbox_types, rows, tick, wita

REPORTED = wita(2026, 7, 6, 12, 0)
BODY = {"accident_at": "2026-07-06T09:00:00+08:00"}


def clocks(claim):
    return {(c["policy"], c["run"]): (c["state"], c["party"], c["hospital"], c["due_at"]) for c in claim["clocks"]}


def test_a_claim_walked_through_gets_its_clocks(api, travel):
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    travel(REPORTED)
    claim = api.report(1, **BODY)
    assert clocks(claim) == {
        ("claim.bpjs_decision", 1): ("running", "bpjs", None, "2026-08-05T12:00:00+08:00"),
        ("claim.expiry", 1): ("running", "disnaker", None, "2031-07-06T09:00:00+08:00"),
        ("claim.stage1_report", 1): ("met", "disnaker", None, "2026-07-08T09:00:00+08:00"),
    }
    decision = next(c for c in claim["clocks"] if c["policy"] == "claim.bpjs_decision")
    assert decision["remaining_seconds"] == 30 * 86400 and decision["late_seconds"] is None
    assert decision["source"].startswith("Permenaker 5/2021")
    travel(REPORTED + timedelta(hours=2))
    claim = api.admit(claim, at="2026-07-06T13:00:00+08:00")
    assert clocks(claim)[("claim.hospital_update", 1)] == ("running", "hospital", "RS-PRIMAYA",
                                                           "2026-07-13T14:00:00+08:00")
    travel(REPORTED + timedelta(days=2))
    claim = api.act(claim, "verify", "demo-bpjs")
    assert clocks(claim)[("claim.bpjs_decision", 1)][0] == "met"
    travel(REPORTED + timedelta(days=4))
    claim = api.act(claim, "update_care", "demo-primaya", {"note": "stable"})
    assert [clocks(claim)[("claim.hospital_update", r)][0] for r in (1, 2)] == ["met", "running"]
    travel(wita(2026, 7, 10, 12, 0))
    claim = api.complete(claim)  # doctor's statement 2026-03-10 10:00 (the helper's), far in the past
    stage2 = clocks(claim)[("claim.stage2_report", 1)]
    assert stage2 == ("breached", "hospital", "RS-PRIMAYA", "2026-03-12T10:00:00+08:00")
    claim = api.act(claim, "submit_documents", "demo-primaya", {"documents": DOCS})
    shown = {c["policy"]: c for c in claim["clocks"] if c["policy"] in ("claim.stage2_report", "claim.payment")}
    assert shown["claim.stage2_report"]["state"] == "met"
    # due 12 Mar 10:00, submitted 10 Jul 12:00: 120 days and 2 hours late
    assert shown["claim.stage2_report"]["late_seconds"] == 120 * 86400 + 2 * 3600
    assert (shown["claim.payment"]["state"], shown["claim.payment"]["due_at"]) == ("running",
                                                                                   "2026-07-17T12:00:00+08:00")
    again = api.call("get", f"/claims/{claim['id']}", user="demo-caseworker").get_json()
    assert clocks(again) == clocks(claim)
    breaches = rows(api.client.application, sa.select(Breach.policy, Breach.party, Breach.met_at))
    assert [(p, party) for p, party, _ in breaches] == [("claim.stage2_report", "hospital")]


def test_a_claim_left_alone_warns_then_breaches_the_bpjs_decision(api, travel, any_app):
    travel(wita(2026, 1, 5, 9, 0))
    api.active(2)
    travel(REPORTED)
    claim = api.report(2, **BODY)
    assert tick(any_app, wita(2026, 7, 31, 11, 59)).clocks == 0  # nothing due before the warning
    warned = tick(any_app, wita(2026, 7, 31, 12, 0))
    assert (warned.warned, warned.breached) == (1, 0)
    assert outbox_types(any_app) == ["sla.warning"]
    assert tick(any_app, wita(2026, 8, 1)).clocks == 0  # warned once
    breached = tick(any_app, wita(2026, 8, 5, 12, 0, 30))
    assert (breached.breached, breached.escalated) == (1, 0)
    payloads = [p for (p,) in rows(any_app, sa.select(OutboxEvent.payload).where(
        OutboxEvent.event_type == "sla.breached"))]
    assert [(p["policy"], p["party"], p["case_id"], p["due_at"]) for p in payloads] == [
        ("claim.bpjs_decision", "bpjs", claim["id"], "2026-08-05T12:00:00+08:00")]
    listed = api.call("get", "/sla/breaches", user="demo-supervisor").get_json()
    assert [(b["policy"], b["party"], b["case_id"], b["breached_at"], b["justified"]) for b in listed["items"]] == [
        ("claim.bpjs_decision", "bpjs", claim["id"], "2026-08-05T12:00:00+08:00", False)]
    assert api.call("get", "/sla/breaches", user="demo-bpjs").get_json()["total"] == 1
    assert api.call("get", "/sla/breaches", user="demo-primaya").get_json()["total"] == 0
    travel(wita(2026, 8, 10, 12, 0))
    escalated = tick(any_app, wita(2026, 8, 10, 12, 0))  # three working days later: Thu, Fri, Mon
    assert escalated.escalated == 1 and outbox_types(any_app) == ["sla.warning", "sla.breached", "sla.escalated"]
    shown = api.call("get", f"/claims/{claim['id']}", user="demo-caseworker").get_json()
    decision = next(c for c in shown["clocks"] if c["policy"] == "claim.bpjs_decision")
    assert decision["state"] == "breached" and decision["late_seconds"] > 0
    breach_id = listed["items"][0]["id"]
    refused = api.call("post", f"/sla/breaches/{breach_id}/justification", user="demo-caseworker",
                       json={"code": "other", "note": "x"})
    assert refused.status_code == 403
    justified = api.call("post", f"/sla/breaches/{breach_id}/justification", user="demo-supervisor",
                         json={"code": "awaiting_other_party", "note": "waiting for the police report"}).get_json()
    assert (justified["justified"], justified["justification"]["code"], justified["justification"]["by"]) == (
        True, "awaiting_other_party", "demo-supervisor")
    assert api.call("get", "/sla/breaches?justified=false", user="demo-supervisor").get_json()["total"] == 0
    verified = api.act(shown, "verify", "demo-bpjs")
    late = next(c for c in verified["clocks"] if c["policy"] == "claim.bpjs_decision")
    assert (late["state"], late["late_seconds"]) == ("met", 5 * 86400)  # verified on 10 Aug, due 5 Aug


def test_stage_one_reported_late_is_a_breach_from_the_moment_the_claim_exists(api, travel, any_app):
    travel(wita(2026, 1, 5, 9, 0))
    api.active(3)
    travel(wita(2026, 7, 9, 9, 0))  # three days after the accident
    claim = api.report(3, **BODY)
    assert claim["flags"]["late_stage1_report"] is True
    stage1 = next(c for c in claim["clocks"] if c["policy"] == "claim.stage1_report")
    assert (stage1["state"], stage1["late_seconds"]) == ("met", 86400)
    listed = api.call("get", "/sla/breaches?policy=claim.stage1_report", user="demo-caseworker").get_json()
    assert [(b["party"], b["breached_at"], b["met_at"], b["late_seconds"]) for b in listed["items"]] == [
        ("disnaker", "2026-07-08T09:00:00+08:00", "2026-07-09T09:00:00+08:00", 86400)]
    assert outbox_types(any_app) == ["sla.breached"]


def test_lists_filter_on_overdue_and_due_before(api, travel, any_app):
    travel(wita(2026, 1, 5, 9, 0))
    api.active(4)
    api.active(5)
    travel(REPORTED)
    first = api.report(4, **BODY)
    travel(REPORTED + timedelta(days=10))
    second = api.report(5, **BODY)
    travel(wita(2026, 8, 6))
    tick(any_app, wita(2026, 8, 6))

    def ids(query):
        return [c["id"] for c in api.call("get", f"/claims?{query}", user="demo-caseworker").get_json()["items"]]

    assert ids("overdue=true") == [first["id"]]
    assert ids("due_before=2026-08-10T00:00:00%2B08:00") == [first["id"]]  # due 5 Aug; the second 15 Aug
    assert ids("due_before=2026-08-20T00:00:00%2B08:00") == [second["id"], first["id"]]  # newest report first
    worklist = api.call("get", "/sla/clocks?overdue=true", user="demo-caseworker").get_json()
    assert [(c["policy"], c["case_id"], c["state"]) for c in worklist["items"]] == [
        ("claim.bpjs_decision", first["id"], "breached")]
