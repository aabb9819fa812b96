"""The engine on the reference workflow: every (state, trigger, role), guards, diagram, one machine."""

import itertools
from types import SimpleNamespace

import pytest

from tests.workflows import tables
from workflows.engine import (
    GuardFailed,
    NotAllowedFromState,
    RoleNotAllowed,
    UnknownTrigger,
    Workflow,
    transition,
)
from workflows.roles import Role
from workflows.sample import WORKFLOW, SampleFacts, SampleState

# trigger, from, to, who: the reference workflow's table, written out
TABLE = [
    ("submit", {"open"}, "in_review", {"caseworker", "hospital_staff"}),
    ("comment", {"in_review"}, "in_review", {"caseworker", "supervisor", "bpjs_officer"}),
    ("approve", {"in_review"}, "approved", {"supervisor"}),
    ("reject", {"open", "in_review"}, "rejected", {"supervisor", "bpjs_officer"}),
    ("reopen", {"rejected"}, "open", {"supervisor"}),
    ("close", {"approved", "rejected"}, "closed", {"caseworker", "supervisor", "system"}),
]
TRIGGERS = sorted({row[0] for row in TABLE})
DATA = {"comment": {"note": "checked"}, "approve": {"amount": 5_000}, "reject": {"note": "no"}}


def case_in(state, title="Broken arm at the harbour"):
    return SimpleNamespace(state=state, title=title)


def fire(case, trigger, role, data=None, facts=None):
    row = WORKFLOW.decide(case, trigger, role, data, facts)
    WORKFLOW.fire(case, row)
    return row


def expected(state, trigger, role):
    return tables.expected(TABLE, SampleState, state, trigger, role)


def test_the_reference_workflow_is_the_table_above():
    assert tables.described(WORKFLOW) == TABLE


@pytest.mark.parametrize(("state", "trigger", "role"), itertools.product(SampleState, TRIGGERS, Role))
def test_every_state_trigger_and_role(state, trigger, role):
    case = case_in(state)
    outcome = expected(state, trigger, role)
    if isinstance(outcome, type):
        with pytest.raises(outcome) as info:
            fire(case, trigger, role, DATA.get(trigger))
        assert info.value.trigger == trigger
        assert case.state is state  # nothing changed
    else:
        row = fire(case, trigger, role, DATA.get(trigger))
        assert case.state is outcome and row.dest is outcome
        assert trigger in WORKFLOW.allowed_triggers(case_in(state), role)


def test_unknown_trigger():
    case = case_in(SampleState.open)
    with pytest.raises(UnknownTrigger, match="no trigger 'explode'"):
        fire(case, "explode", Role.ADMIN)
    assert case.state is SampleState.open


def test_guard_failure_gives_its_reason_and_changes_nothing():
    case = case_in(SampleState.open, title="  ")
    with pytest.raises(GuardFailed) as info:
        fire(case, "submit", Role.CASEWORKER)
    assert (info.value.guard, info.value.reason) == ("has_title", "the case has no title")
    assert case.state is SampleState.open

    case = case_in(SampleState.in_review)
    with pytest.raises(GuardFailed, match="amount 20000 is over the limit of 10000"):
        fire(case, "approve", Role.SUPERVISOR, {"amount": 20_000}, SampleFacts(amount_limit=10_000))
    assert case.state is SampleState.in_review


def test_role_error_names_who_may():
    with pytest.raises(RoleNotAllowed, match="allowed: supervisor"):
        fire(case_in(SampleState.rejected), "reopen", Role.CASEWORKER)


def test_allowed_triggers_by_role():
    assert WORKFLOW.allowed_triggers(case_in(SampleState.in_review), Role.SUPERVISOR) == [
        "approve", "comment", "reject"]
    assert WORKFLOW.allowed_triggers(case_in(SampleState.in_review), Role.HOSPITAL_STAFF) == []
    assert WORKFLOW.allowed_triggers(case_in("open"), Role.HOSPITAL_STAFF) == ["submit"]
    # a guard that reads only the case is run: a case with no title cannot be submitted, so it is not offered
    assert WORKFLOW.allowed_triggers(case_in("open", title=""), Role.HOSPITAL_STAFF) == []


def test_one_shared_machine_and_no_models_added():
    machine = WORKFLOW.machine
    for _ in range(3):
        fire(case_in(SampleState.open), "submit", Role.CASEWORKER)
    assert WORKFLOW.machine is machine
    assert machine.models == []
    assert not hasattr(case_in(SampleState.open), "to_closed")  # no auto transitions, nothing bound


def test_diagram_is_mermaid_from_the_table():
    text = WORKFLOW.diagram()
    assert text.startswith("---\nsample\n---\nstateDiagram-v2\n")
    for row in WORKFLOW.transitions:
        for source in row.source:
            assert f"{source.value} --> {row.dest.value}: " in text
    assert "[*] --> open" in text


def test_describe_lists_every_row():
    described = WORKFLOW.describe()
    assert described["initial"] == "open"
    assert described["transitions"][0] == {
        "trigger": "submit", "sources": ["open"], "dest": "in_review", "roles": ["caseworker", "hospital_staff"],
        "guards": ["has_title"],
    }


def test_a_definition_with_an_unknown_guard_is_refused():
    with pytest.raises(ValueError, match="no guard named missing"):
        Workflow("bad", SampleState, SampleState.open,
                 [transition("submit", SampleState.open, SampleState.in_review, [Role.CASEWORKER],
                             guards=["missing"])])


def test_the_row_that_passes_its_guards_is_the_row_that_fires():
    """Two rows for one trigger from one state: the engine chooses once, and the machine fires that very row."""
    from enum import StrEnum

    class Door(StrEnum):
        shut = "shut"
        open = "open"
        locked = "locked"

    def key_in_hand(case, _data, _facts):
        return None if case.key else "no key"

    workflow = Workflow("door", Door, Door.shut, [
        transition("turn", Door.shut, Door.locked, [Role.CASEWORKER], guards=["key_in_hand"]),
        transition("turn", Door.shut, Door.open, [Role.CASEWORKER]),
    ], guards={"key_in_hand": key_in_hand})
    without = SimpleNamespace(state=Door.shut, key=False)
    row = workflow.decide(without, "turn", Role.CASEWORKER)
    assert (row.dest, row.key) == (Door.open, "turn#1")
    assert workflow.next_state(Door.shut, row) is Door.open
    with_key = SimpleNamespace(state=Door.shut, key=True)
    assert workflow.decide(with_key, "turn", Role.CASEWORKER).dest is Door.locked
    with pytest.raises(NotAllowedFromState):
        workflow.next_state(Door.open, row)  # the machine refuses a row that does not start there


def test_a_trigger_table_names_only_triggers_of_its_workflow(monkeypatch):
    from berjasa.cases import triggers
    from berjasa.cases.triggers import Trigger, Triggers

    monkeypatch.setattr(triggers, "TABLES", {})  # leave the sample's own table registered for other tests

    with pytest.raises(ValueError, match="sample has no trigger fly"):
        Triggers(WORKFLOW, [Trigger("fly")])
    table = Triggers(WORKFLOW, [])
    assert table["close"].schema is None and table.schema_names()["submit"] is None
