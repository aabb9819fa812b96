"""Every (state, trigger, role) of the claim workflow, with the facts its guards need satisfied."""

import itertools
from types import SimpleNamespace

import pytest

from workflows.claim import WORKFLOW, ClaimState
from workflows.engine import NotAllowedFromState, RoleNotAllowed
from workflows.roles import Role

FACTS = {"covered": True, "within_expiry": True, "plkk_valid": True, "documents_complete": True}
DATA = {"pay": {"payments": [{"amount": 100}]}}


def case_in(state, verified):
    return SimpleNamespace(state=state, verified=verified, approved_total=100)


def expected(state, trigger, role, verified):
    rows = [t for t in WORKFLOW.transitions if t.trigger == trigger and state in t.source]
    if not rows:
        return NotAllowedFromState
    mine = [t for t in rows if role in t.roles]
    return mine[0].dest if mine else RoleNotAllowed


@pytest.mark.parametrize(("state", "trigger", "role"),
                         itertools.product(ClaimState, sorted(WORKFLOW.triggers), Role))
def test_every_state_trigger_and_role(state, trigger, role):
    # a claim in care or later has been verified, except where the test is verify itself in care
    verified = state not in (ClaimState.reported, ClaimState.verified, ClaimState.hospital_care) or (
        state is ClaimState.hospital_care and trigger != "verify")
    case = case_in(state, verified)
    outcome = expected(state, trigger, role, verified)
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            WORKFLOW.fire(case, trigger, role, DATA.get(trigger), FACTS)
        assert case.state is state
    else:
        WORKFLOW.fire(case, trigger, role, DATA.get(trigger), FACTS)
        assert case.state is outcome


def test_verify_in_care_only_once_and_completion_needs_it():
    from workflows.engine import GuardFailed

    with pytest.raises(GuardFailed, match="verified this claim already"):
        WORKFLOW.fire(case_in(ClaimState.hospital_care, True), "verify", Role.BPJS_OFFICER, {}, FACTS)
    with pytest.raises(GuardFailed, match="not verified this claim yet"):
        WORKFLOW.fire(case_in(ClaimState.hospital_care, False), "complete_treatment", Role.CASEWORKER, {}, FACTS)
