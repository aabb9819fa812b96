"""Helpers for testing a workflow against its transition table written out in the test (never derived from the
workflow under test): rows of (trigger, {from states}, to state, {roles})."""

from workflows.engine import NotAllowedFromState, RoleNotAllowed


def expected(table, states, state, trigger, role):
    """What the table says firing `trigger` from `state` as `role` does: the destination state, or the refusal."""
    rows = [r for r in table if r[0] == trigger and state.value in r[1]]
    if not rows:
        return NotAllowedFromState
    mine = [r for r in rows if role.value in r[3]]
    return states(mine[0][2]) if mine else RoleNotAllowed


def described(workflow):
    """The workflow's own table in the same shape, to compare with the one written out."""
    return [(t["trigger"], set(t["sources"]), t["dest"], set(t["roles"])) for t in workflow.describe()["transitions"]]
