"""The enrolment workflow against its transition table, written out here: every (state, trigger, role),
each guard's refusal, and the eligibility rule."""

import itertools
from types import SimpleNamespace

import pytest

from tests.workflows import tables
from workflows.engine import GuardFailed
from workflows.enrolment import WORKFLOW, Eligibility, EnrolmentFacts, EnrolmentState
from workflows.roles import Role

# trigger, from, to, who
TABLE = [
    ("verify", {"submitted"}, "verified", {"caseworker"}),
    ("reject", {"submitted", "verified"}, "rejected", {"caseworker"}),
    ("send_to_bpjs", {"verified"}, "sent_to_bpjs", {"caseworker"}),
    ("activate", {"sent_to_bpjs"}, "active", {"bpjs_officer"}),
    ("lapse", {"active"}, "lapsed", {"bpjs_officer", "system"}),
    ("reactivate", {"lapsed"}, "sent_to_bpjs", {"caseworker"}),
    ("terminate", {"active", "lapsed"}, "terminated", {"caseworker", "bpjs_officer"}),
]
TRIGGERS = sorted({row[0] for row in TABLE})
RULE = Eligibility(max_decile=4, cohorts=frozenset({"rt_rw"}), with_disability=True)
FACTS = EnrolmentFacts(eligibility=RULE)
DATA = {"activate": {"programmes": ["jkk", "jkm"]}}


def person(decile=2, cohort="informal", has_disability=False):
    return SimpleNamespace(decile=decile, cohort=cohort, has_disability=has_disability)


def case_in(state, **person_fields):
    return SimpleNamespace(state=EnrolmentState(state), participant=person(**person_fields))


def fire(case, trigger, role, data=None, facts=FACTS):
    WORKFLOW.fire(case, WORKFLOW.decide(case, trigger, role, data, facts))


def expected(state, trigger, role):
    return tables.expected(TABLE, EnrolmentState, state, trigger, role)


def test_the_workflow_is_the_table_above():
    assert tables.described(WORKFLOW) == TABLE


@pytest.mark.parametrize(("state", "trigger", "role"), itertools.product(EnrolmentState, TRIGGERS, Role))
def test_every_state_trigger_and_role(state, trigger, role):
    case = case_in(state)
    outcome = expected(state, trigger, role)
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            fire(case, trigger, role, DATA.get(trigger))
        assert case.state is state
    else:
        fire(case, trigger, role, DATA.get(trigger))
        assert case.state is outcome


@pytest.mark.parametrize(("case", "trigger", "data", "facts", "guard", "reason"), [
    (case_in("submitted"), "verify", {}, EnrolmentFacts(RULE, nik_problem="must be 16 digits"), "valid_nik",
     "the NIK is not valid: must be 16 digits"),
    (case_in("submitted", decile=7), "verify", {}, FACTS, "eligible",
     "decile 7 (> 4) and cohort informal is not eligible by itself"),
    (case_in("submitted", decile=None), "verify", {}, FACTS, "eligible",
     "no decile (> 4) and cohort informal is not eligible by itself"),
    (case_in("submitted"), "verify", {}, EnrolmentFacts(RULE, other_open_enrolment=12), "no_other_enrolment",
     "the NIK already has open enrolment 12"),
    (case_in("sent_to_bpjs"), "activate", {"programmes": ["jkk"]}, FACTS, "programmes_confirmed",
     "BPJS must confirm at least JKK and JKM"),
])
def test_each_guard_refuses_with_its_reason(case, trigger, data, facts, guard, reason):
    role = Role.BPJS_OFFICER if trigger == "activate" else Role.CASEWORKER
    before = case.state
    with pytest.raises(GuardFailed) as info:
        fire(case, trigger, role, data, facts)
    assert (info.value.guard, info.value.reason) == (guard, reason)
    assert case.state is before


@pytest.mark.parametrize(("who", "eligible"), [
    (person(decile=4), True), (person(decile=5), False), (person(decile=9, cohort="rt_rw"), True),
    (person(decile=9, has_disability=True), True), (person(decile=None, cohort="religious_worker"), False),
])
def test_the_eligibility_rule(who, eligible):
    assert (RULE.reason_against(who) is None) is eligible
    assert Eligibility(4, frozenset(), with_disability=False).reason_against(person(decile=9, has_disability=True))
