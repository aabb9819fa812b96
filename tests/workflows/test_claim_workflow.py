"""The claim workflow against its transition table, written out here so that a change to the table shows
up as a failing test: every (state, trigger, role), and each guard's refusal."""

import itertools
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from tests.workflows import tables
from workflows.claim import WORKFLOW, ClaimFacts, ClaimState, Cover, HospitalOnDay, required_documents
from workflows.engine import GuardFailed
from workflows.roles import Role

BEFORE_APPROVAL = {"reported", "verified", "hospital_care", "treatment_completed", "under_review",
                   "awaiting_documents"}
# trigger, from, to, who
TABLE = [
    ("verify", {"reported"}, "verified", {"bpjs_officer"}),
    ("verify", {"hospital_care"}, "hospital_care", {"bpjs_officer"}),
    ("admit", {"reported", "verified"}, "hospital_care", {"hospital_staff", "caseworker"}),
    ("refer", {"hospital_care"}, "hospital_care", {"hospital_staff", "caseworker"}),
    ("update_care", {"hospital_care"}, "hospital_care", {"hospital_staff", "caseworker"}),
    ("complete_treatment", {"hospital_care"}, "treatment_completed", {"hospital_staff", "caseworker"}),
    ("submit_documents", {"treatment_completed", "awaiting_documents"}, "under_review",
     {"caseworker", "hospital_staff"}),
    ("request_documents", {"under_review"}, "awaiting_documents", {"bpjs_officer"}),
    ("approve", {"under_review"}, "approved", {"bpjs_officer"}),
    ("pay", {"approved"}, "paid", {"bpjs_officer"}),
    ("close", {"paid"}, "closed", {"caseworker", "supervisor"}),
    ("reject", BEFORE_APPROVAL, "rejected", {"bpjs_officer"}),
    ("withdraw", {"reported", "verified"}, "withdrawn", {"caseworker"}),
    ("reopen", {"rejected"}, "reported", {"supervisor"}),
]
TRIGGERS = sorted({row[0] for row in TABLE})
ACCIDENT = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
DOCS = ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses"]
FACTS = ClaimFacts(now=datetime(2026, 3, 5, tzinfo=UTC), cover=Cover(True, True, date(2026, 3, 1)),
                   hospital=HospitalOnDay(1, "RS-PRIMAYA", date(2026, 3, 1), True))
DATA = {"pay": {"payments": [{"amount": 100}]}, "submit_documents": {"documents": DOCS}}


def case_in(state, verified=False, **overrides):
    case = SimpleNamespace(state=ClaimState(state), verified=verified, approved_total=100, accident_at=ACCIDENT,
                           accident_type="work_site", referred=False)
    vars(case).update(overrides)
    return case


def fire(case, trigger, role, data=None, facts=FACTS):
    row = WORKFLOW.decide(case, trigger, role, data, facts)
    WORKFLOW.fire(case, row)
    return row


def expected(state, trigger, role):
    return tables.expected(TABLE, ClaimState, state, trigger, role)


def test_the_workflow_is_the_table_above():
    assert tables.described(WORKFLOW) == TABLE


@pytest.mark.parametrize(("state", "trigger", "role"), itertools.product(ClaimState, TRIGGERS, Role))
def test_every_state_trigger_and_role(state, trigger, role):
    # a claim in care or later has been verified, except where the test is verify itself in care
    verified = state not in (ClaimState.reported, ClaimState.verified, ClaimState.hospital_care) or (
        state is ClaimState.hospital_care and trigger != "verify")
    case = case_in(state, verified)
    outcome = expected(state, trigger, role)
    if isinstance(outcome, type):
        with pytest.raises(outcome) as info:
            fire(case, trigger, role, DATA.get(trigger))
        assert (info.value.code, info.value.trigger) == (outcome.code, trigger)
        assert case.state is state
    else:
        row = fire(case, trigger, role, DATA.get(trigger))
        assert case.state is outcome and row.dest is outcome and row.trigger == trigger


@pytest.mark.parametrize(("state", "trigger", "data", "facts", "guard", "reason"), [
    ("reported", "verify", {}, ClaimFacts(now=FACTS.now, cover=Cover(False, False, date(2026, 3, 1))),
     "covered", "the NIK is not in the registry (enrol the person first)"),
    ("reported", "verify", {}, ClaimFacts(now=FACTS.now, cover=Cover(True, False, date(2026, 3, 1))),
     "covered", "not covered for JKK on 2026-03-01, the accident date"),
    ("reported", "verify", {}, ClaimFacts(now=datetime(2031, 3, 2, tzinfo=UTC), cover=FACTS.cover),
     "within_expiry", "the claim expired 5 years after the accident"),
    ("reported", "admit", {}, ClaimFacts(hospital=HospitalOnDay(3, "RS-BHAYANGKARA", date(2026, 3, 1), False)),
     "plkk_valid", "RS-BHAYANGKARA had no PLKK agreement in force on 2026-03-01"),
    ("treatment_completed", "submit_documents", {"documents": DOCS[:3]}, FACTS, "documents_complete",
     "missing documents: chronology_with_witnesses, treatment_receipts"),
    ("approved", "pay", {"payments": [{"amount": 90}]}, FACTS, "payments_match",
     "the payments add up to 90, the approved total is 100"),
])
def test_each_guard_refuses_with_its_reason(state, trigger, data, facts, guard, reason):
    role = Role.BPJS_OFFICER if trigger in ("verify", "pay") else Role.CASEWORKER
    case = case_in(state, verified=trigger != "verify")
    with pytest.raises(GuardFailed) as info:
        fire(case, trigger, role, data, facts)
    assert (info.value.guard, info.value.reason) == (guard, reason)
    assert case.state is ClaimState(state)


def test_the_five_years_run_to_the_same_day():
    case = case_in("reported")
    assert fire(case, "verify", Role.BPJS_OFFICER, {}, ClaimFacts(now=datetime(2031, 3, 1, 1, 30, tzinfo=UTC),
                                                                    cover=FACTS.cover)).dest is ClaimState.verified


def test_verify_in_care_only_once_and_completion_needs_it():
    with pytest.raises(GuardFailed, match="verified this claim already"):
        fire(case_in("hospital_care", True), "verify", Role.BPJS_OFFICER)
    with pytest.raises(GuardFailed, match="not verified this claim yet"):
        fire(case_in("hospital_care", False), "complete_treatment", Role.CASEWORKER)


def test_a_reopened_claim_keeps_its_verification():
    with pytest.raises(GuardFailed, match="verified this claim already"):
        fire(case_in("reported", True), "verify", Role.BPJS_OFFICER)
    assert WORKFLOW.allowed_triggers(case_in("reported", verified=True), Role.BPJS_OFFICER) == ["reject"]
    assert WORKFLOW.allowed_triggers(case_in("reported", verified=False), Role.BPJS_OFFICER) == ["reject", "verify"]


@pytest.mark.parametrize(("handed_in", "requested", "now", "refusal"), [
    ([], [], DOCS, None),
    (DOCS[:3], [], DOCS[3:], None),  # the checklist is the union of every hand-in
    (DOCS[:3], [], DOCS[3:4], "missing documents: chronology_with_witnesses"),
    (DOCS, ["police_report"], [], "missing documents: police_report"),  # what BPJS asked for is needed too
    (DOCS, ["police_report"], ["police_report"], None),
])
def test_documents_handed_in_before_count(handed_in, requested, now, refusal):
    case = case_in("awaiting_documents", True)
    case.documents, case.missing_documents = handed_in, requested
    if refusal is None:
        assert fire(case, "submit_documents", Role.CASEWORKER, {"documents": now}).dest is ClaimState.under_review
    else:
        with pytest.raises(GuardFailed) as info:
            fire(case, "submit_documents", Role.CASEWORKER, {"documents": now})
        assert info.value.reason == refusal


def test_allowed_triggers_leave_out_what_the_case_alone_refuses():
    assert WORKFLOW.allowed_triggers(case_in("hospital_care", verified=True), Role.BPJS_OFFICER) == ["reject"]
    assert WORKFLOW.allowed_triggers(case_in("hospital_care", verified=False), Role.BPJS_OFFICER) == [
        "reject", "verify"]
    assert WORKFLOW.allowed_triggers(case_in("hospital_care", verified=False), Role.HOSPITAL_STAFF) == [
        "refer", "update_care"]
    assert WORKFLOW.allowed_triggers(case_in("hospital_care", verified=True), Role.HOSPITAL_STAFF) == [
        "complete_treatment", "refer", "update_care"]


@pytest.mark.parametrize(("accident_type", "referred", "documents"), [
    ("work_site", False, ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses"]),
    ("commute", False, ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses",
                        "police_report"]),
    ("work_site", True, ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses",
                         "referral_letter"]),
])
def test_the_stage_two_checklist(accident_type, referred, documents):
    assert required_documents(case_in("treatment_completed", accident_type=accident_type,
                                      referred=referred)) == documents
