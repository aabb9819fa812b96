"""The discrepancy workflow against its transition table, written out here, and the checks' declarations."""

import itertools
from types import SimpleNamespace

import pytest

from tests.workflows import tables
from workflows import checks
from workflows.discrepancy import WORKFLOW, DiscrepancyState
from workflows.engine import GuardFailed
from workflows.roles import Role

PEOPLE = {"caseworker", "supervisor", "bpjs_officer", "hospital_staff"}
# trigger, from, to, who
TABLE = [
    ("acknowledge", {"open"}, "acknowledged", PEOPLE),
    ("resolve", {"open", "acknowledged"}, "resolved", PEOPLE | {"system"}),
    ("dismiss", {"open", "acknowledged"}, "dismissed", {"caseworker", "supervisor", "bpjs_officer"}),
    ("reopen", {"resolved", "dismissed"}, "open", {"system"}),
]
TRIGGERS = sorted({row[0] for row in TABLE})
DATA = {"dismiss": {"reason": "a second card, both valid"}, "reopen": {"reason": "found again"}}


def test_the_workflow_is_the_table_above():
    assert tables.described(WORKFLOW) == TABLE


@pytest.mark.parametrize(("state", "trigger", "role"), itertools.product(DiscrepancyState, TRIGGERS, Role))
def test_every_state_trigger_and_role(state, trigger, role):
    case = SimpleNamespace(state=state)
    outcome = tables.expected(TABLE, DiscrepancyState, state, trigger, role)
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            WORKFLOW.fire(case, WORKFLOW.decide(case, trigger, role, DATA.get(trigger)))
        assert case.state is state
    else:
        WORKFLOW.fire(case, WORKFLOW.decide(case, trigger, role, DATA.get(trigger)))
        assert case.state is outcome


def test_a_dismissal_needs_a_reason():
    with pytest.raises(GuardFailed) as info:
        WORKFLOW.decide(SimpleNamespace(state=DiscrepancyState.open), "dismiss", Role.SUPERVISOR, {"reason": "  "})
    assert (info.value.guard, info.value.reason) == ("reason_given", "a dismissal needs a reason")


def test_the_checks_are_declared_once_each_with_a_party_and_what_runs_it():
    declared = {c.name: (c.party, c.severity, c.subject) for c in checks.CHECKS}
    assert declared == {
        "enrolment_active_not_at_bpjs": ("bpjs", "high", "enrolment"),
        "active_at_bpjs_not_in_city": ("disnaker", "high", "nik"),
        "kpj_mismatch": ("bpjs", "medium", "participant"),
        "identity_mismatch": ("disnaker", "medium", "participant"),
        "arrears": ("disnaker", "high", "enrolment"),
        "premium_invoice_mismatch": ("bpjs", "high", "invoice"),
        "premium_unpaid": ("disnaker", "high", "invoice"),
        "admitted_not_verified": ("bpjs", "medium", "claim"),
        "claim_without_cover": ("bpjs", "high", "claim"),
        "care_cost_mismatch": ("hospital", "medium", "claim"),
        "duplicate_open_claims": ("bpjs", "high", "nik"),
        "paid_for_deceased_or_moved": ("bpjs", "high", "enrolment"),
        "registered_elsewhere": ("disnaker", "high", "enrolment"),
    }
    assert [c.name for c in checks.triggered_by("enrolment.lapse")] == [
        "enrolment_active_not_at_bpjs", "active_at_bpjs_not_in_city", "arrears", "claim_without_cover",
        "registered_elsewhere"]
    assert [c.name for c in checks.after_import("city_payments")] == ["premium_unpaid"]
