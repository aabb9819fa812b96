"""The clock engine on the default policies: what each transition starts, stops, pauses, resumes and hands over,
and when a clock warns, breaches and escalates. Expected times are written out."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from workflows.calendar import WITA, Calendar
from workflows.policies import DEFAULT_POLICIES, with_overrides
from workflows.sla import CaseAt, Duration, Transitioned, attention, evaluate, next_attention, on_event

CAL = Calendar()
POLICIES = {p.name: p for p in DEFAULT_POLICIES}
FINAL = frozenset({"closed", "rejected", "withdrawn"})
H, D = timedelta(hours=1), timedelta(days=1)


def wita(*args):
    return datetime(*args, tzinfo=WITA)


ACCIDENT = datetime(2026, 7, 6, 9, 0, tzinfo=WITA)


def claim(accident=ACCIDENT, hospital=None):
    return CaseAt("claim", {"accident_at": accident}, hospital, FINAL)


def step(clocks, trigger, at, case=None, from_state="x", to_state="x", data=None):
    return on_event(DEFAULT_POLICIES, CAL, clocks, case or claim(), Transitioned(trigger, from_state, to_state, at,
                                                                                  data or {}))


def by(clocks, policy, run=1):
    return next(c for c in clocks if c.policy == policy and c.run == run)


def test_a_claim_reported_three_days_late_has_a_met_late_stage1_clock_from_the_start():
    reported = wita(2026, 7, 9, 9, 0)
    clocks = step([], "created", reported, to_state="reported")
    assert sorted(c.policy for c in clocks) == ["claim.bpjs_decision", "claim.expiry", "claim.stage1_report"]
    stage1 = by(clocks, "claim.stage1_report")
    assert (stage1.state, stage1.started_at, stage1.due_at) == ("met", wita(2026, 7, 6, 9, 0), wita(2026, 7, 8, 9, 0))
    assert (stage1.breached_at, stage1.stopped_at, stage1.lateness) == (wita(2026, 7, 8, 9, 0), reported, 86400.0)
    decision = by(clocks, "claim.bpjs_decision")
    assert (decision.state, decision.party, decision.due_at, decision.warn_at) == (
        "running", "bpjs", wita(2026, 8, 8, 9, 0), wita(2026, 8, 3, 9, 0))
    expiry = by(clocks, "claim.expiry")
    assert (expiry.due_at, expiry.warn_at) == (wita(2031, 7, 6, 9, 0), wita(2031, 4, 7, 9, 0))


def test_a_claim_reported_in_time_meets_stage1_and_verify_meets_the_decision():
    clocks = step([], "created", wita(2026, 7, 6, 12, 0), to_state="reported")
    stage1 = by(clocks, "claim.stage1_report")
    assert (stage1.state, stage1.breached_at, stage1.lateness) == ("met", None, None)
    clocks = step(clocks, "verify", wita(2026, 7, 20, 8, 0), to_state="verified")
    decision = by(clocks, "claim.bpjs_decision")
    assert (decision.state, decision.stopped_at, decision.lateness) == ("met", wita(2026, 7, 20, 8, 0), None)


def test_care_updates_restart_the_weekly_clock_and_a_referral_hands_it_to_the_receiving_hospital():
    clocks = step([], "created", wita(2026, 7, 6, 12, 0))
    clocks = step(clocks, "admit", wita(2026, 7, 6, 13, 0), claim(hospital=3), to_state="hospital_care")
    week = by(clocks, "claim.hospital_update")
    assert (week.state, week.party, week.hospital_id, week.due_at) == ("running", "hospital", 3,
                                                                      wita(2026, 7, 13, 13, 0))
    clocks = step(clocks, "update_care", wita(2026, 7, 10, 8, 0), claim(hospital=3))
    assert by(clocks, "claim.hospital_update", 1).state == "met"
    assert by(clocks, "claim.hospital_update", 2).due_at == wita(2026, 7, 17, 8, 0)
    clocks = step(clocks, "refer", wita(2026, 7, 11, 8, 0), claim(hospital=5))
    third = by(clocks, "claim.hospital_update", 3)
    assert (by(clocks, "claim.hospital_update", 2).state, third.hospital_id) == ("met", 5)
    clocks = step(clocks, "complete_treatment", wita(2026, 7, 20, 15, 0), claim(hospital=5),
                  to_state="treatment_completed", data={"doctor_statement_at": "2026-07-20T10:00:00+08:00"})
    stage2 = by(clocks, "claim.stage2_report")
    assert by(clocks, "claim.hospital_update", 3).state == "met"
    assert (stage2.started_at, stage2.due_at, stage2.hospital_id) == (wita(2026, 7, 20, 10, 0),
                                                                       wita(2026, 7, 22, 10, 0), 5)


def test_a_running_hospital_clock_moves_to_the_receiving_hospital():
    clocks = step([], "complete_treatment", wita(2026, 7, 20, 10, 0), claim(hospital=3),
                  data={"doctor_statement_at": "2026-07-20T10:00:00+08:00"})
    clocks = step(clocks, "refer", wita(2026, 7, 20, 11, 0), claim(hospital=5))
    assert by(clocks, "claim.stage2_report").hospital_id == 5


def test_payment_stands_still_while_documents_are_awaited():
    clocks = step([], "submit_documents", wita(2026, 7, 1, 10, 0), to_state="under_review")
    payment = by(clocks, "claim.payment")
    assert payment.due_at == wita(2026, 7, 8, 10, 0)
    clocks = step(clocks, "request_documents", wita(2026, 7, 3, 10, 0), to_state="awaiting_documents")
    payment, asked = by(clocks, "claim.payment"), by(clocks, "claim.documents_requested")
    assert (payment.state, payment.used, payment.running_since) == ("paused", 2 * 86400.0, None)
    # 14 working days from Fri 3 Jul 10:00: its last 14 h, then 6-10, 13-17 and 20-22 Jul (13 days), and 10 h of 23 Jul
    assert (asked.party, asked.due_at) == ("disnaker", wita(2026, 7, 23, 10, 0))
    clocks = step(clocks, "submit_documents", wita(2026, 7, 10, 10, 0), to_state="under_review")
    payment = by(clocks, "claim.payment")
    assert (payment.state, payment.running_since, payment.due_at) == ("running", wita(2026, 7, 10, 10, 0),
                                                                       wita(2026, 7, 15, 10, 0))
    assert by(clocks, "claim.documents_requested").state == "met"
    clocks = step(clocks, "pay", wita(2026, 7, 16, 10, 0), to_state="paid")
    payment = by(clocks, "claim.payment")
    assert (payment.state, payment.breached_at, payment.lateness) == ("met", wita(2026, 7, 15, 10, 0), 86400.0)


def test_a_final_state_cancels_what_is_left_and_reopen_starts_the_decision_again():
    clocks = step([], "created", wita(2026, 7, 6, 12, 0))
    clocks = step(clocks, "reject", wita(2026, 7, 10, 9, 0), to_state="rejected")
    assert {c.policy: c.state for c in clocks} == {"claim.stage1_report": "met", "claim.bpjs_decision": "met",
                                                   "claim.expiry": "met"}
    clocks = step(clocks, "reopen", wita(2026, 7, 15, 9, 0), to_state="reported")
    decision = by(clocks, "claim.bpjs_decision", 2)
    assert (decision.state, decision.started_at, decision.due_at) == ("running", wita(2026, 7, 15, 9, 0),
                                                                       wita(2026, 8, 14, 9, 0))
    assert by(clocks, "claim.expiry", 2).due_at == wita(2031, 7, 6, 9, 0)  # still five years from the accident
    clocks = step(clocks, "withdraw", wita(2026, 7, 16, 9, 0), to_state="withdrawn")
    assert (by(clocks, "claim.bpjs_decision", 2).state, by(clocks, "claim.expiry", 2).state) == ("cancelled", "met")


def test_warning_breach_and_escalation_each_once_at_their_moments():
    decision = by(step([], "created", wita(2026, 7, 6, 12, 0)), "claim.bpjs_decision")
    policy = POLICIES["claim.bpjs_decision"]
    assert next_attention(decision) == wita(2026, 7, 31, 12, 0)  # warned 5 days before 5 Aug 12:00
    assert attention(decision, wita(2026, 7, 31, 11, 59)) == attention(decision, wita(2026, 7, 7))
    warned = evaluate(decision, wita(2026, 7, 31, 12, 0), policy, CAL)
    assert (warned.warned_at, warned.state, next_attention(warned)) == (wita(2026, 7, 31, 12, 0), "running",
                                                                        wita(2026, 8, 5, 12, 0))
    assert evaluate(warned, wita(2026, 8, 2), policy, CAL) == warned
    breached = evaluate(warned, wita(2026, 8, 5, 12, 1), policy, CAL)
    # escalation 3 working days after the due time: Thu 6, Fri 7, Mon 10 Aug (17 Aug is later)
    assert (breached.state, breached.breached_at, breached.escalate_at) == ("breached", wita(2026, 8, 5, 12, 0),
                                                                            wita(2026, 8, 10, 12, 0))
    escalated = evaluate(breached, wita(2026, 8, 10, 12, 0), policy, CAL)
    assert (escalated.escalated_at, next_attention(escalated)) == (wita(2026, 8, 10, 12, 0), None)


def test_a_clock_found_long_past_due_is_warned_breached_and_escalated_at_once():
    decision = by(step([], "created", wita(2026, 7, 6, 12, 0)), "claim.bpjs_decision")
    seen = evaluate(decision, wita(2026, 9, 1), POLICIES["claim.bpjs_decision"], CAL)
    assert (seen.warned_at, seen.breached_at, seen.escalated_at) == (wita(2026, 7, 31, 12, 0), wita(2026, 8, 5, 12, 0),
                                                                     wita(2026, 8, 10, 12, 0))


def test_enrolment_clocks_run_on_working_days():
    enrolment = CaseAt("enrolment", {}, None, frozenset({"terminated", "rejected"}))
    clocks = on_event(DEFAULT_POLICIES, CAL, [], enrolment, Transitioned("created", None, "submitted",
                                                                        wita(2026, 3, 17, 10, 0)))
    # 5 working days from Tue 17 Mar 10:00 over Nyepi and Idul Fitri: 14 h, 25, 26, 27, 30 Mar, 10 h of 31 Mar
    assert by(clocks, "enrolment.verification").due_at == wita(2026, 3, 31, 10, 0)
    assert by(clocks, "enrolment.verification").warn_at == wita(2026, 3, 30, 10, 0)


def test_policies_take_their_durations_from_configuration():
    changed = {p.name: p for p in with_overrides(DEFAULT_POLICIES, {"claim.payment": {"duration": "7wd"},
                                                                      "claim.bpjs_decision": {"warn_before": "none"}})}
    assert changed["claim.payment"].duration == Duration(7, "wd")
    assert changed["claim.bpjs_decision"].warn_before is None
    fewer = with_overrides(DEFAULT_POLICIES, {"claim.hospital_update": {"enabled": False}})
    assert "claim.hospital_update" not in {p.name for p in fewer} and len(fewer) == len(DEFAULT_POLICIES) - 1
    with pytest.raises(ValueError, match="unknown SLA policy 'claim.nope'"):
        with_overrides(DEFAULT_POLICIES, {"claim.nope": {"duration": "1d"}})
    with pytest.raises(ValueError, match="claim.payment.duration: 'soon' is not a duration"):
        with_overrides(DEFAULT_POLICIES, {"claim.payment": {"duration": "soon"}})


def test_durations_parse_and_refuse():
    assert [Duration.parse(t) for t in ("48h", "30d", "14wd", "90s", "5y", "15m")] == [
        Duration(48, "h"), Duration(30, "d"), Duration(14, "wd"), Duration(90, "s"), Duration(5, "y"),
        Duration(15, "m")]
    with pytest.raises(ValueError):
        Duration.parse("2 weeks")
    assert replace(Duration(1, "h")).seconds == 3600 and datetime(2026, 1, 1, tzinfo=UTC).year == 2026


def test_a_clock_stopped_after_its_due_time_is_met_late_though_no_tick_saw_it():
    clocks = step([], "created", wita(2026, 7, 6, 12, 0))  # the decision is due 5 Aug 12:00
    clocks = step(clocks, "verify", wita(2026, 8, 7, 12, 0), to_state="verified")
    decision = by(clocks, "claim.bpjs_decision")
    assert (decision.state, decision.breached_at, decision.lateness) == ("met", wita(2026, 8, 5, 12, 0),
                                                                          2 * 86400.0)
