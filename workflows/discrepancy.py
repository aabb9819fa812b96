"""Discrepancy: something the cross-checks found that a party must set right (a small case of its own).

Found by a check run (created `open`, or `reopen`ed by the system when found again), acknowledged by the party
that must act, then resolved (by a person, or by the system when a later run no longer finds it: "resolved by
data") or dismissed with a reason (a dismissed one comes back only when its evidence changes)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from workflows.engine import Workflow, transition
from workflows.registry import register
from workflows.roles import Role

R = Role


class DiscrepancyState(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"
    dismissed = "dismissed"


S = DiscrepancyState
#: States in which a discrepancy still waits for someone.
OPEN_STATES = frozenset({S.open, S.acknowledged})
#: Who may work a discrepancy (hospital staff only those attributed to their hospital: berjasa/discrepancies/scope).
WORKERS = (R.CASEWORKER, R.SUPERVISOR, R.BPJS_OFFICER, R.HOSPITAL_STAFF)


def reason_given(_case: Any, data: Mapping[str, Any], _facts: Any) -> str | None:
    return None if str(data.get("reason") or "").strip() else "a dismissal needs a reason"


WORKFLOW = register(Workflow(
    name="discrepancy",
    description="A difference between the parties' data that a cross-check found, until it is set right.",
    states=DiscrepancyState,
    initial=S.open,
    transitions=[
        transition("acknowledge", S.open, S.acknowledged, WORKERS),
        transition("resolve", [S.open, S.acknowledged], S.resolved, [*WORKERS, R.SYSTEM]),
        transition("dismiss", [S.open, S.acknowledged], S.dismissed, [R.CASEWORKER, R.SUPERVISOR, R.BPJS_OFFICER],
                   guards=["reason_given"]),
        transition("reopen", [S.resolved, S.dismissed], S.open, [R.SYSTEM]),
    ],
    guards={"reason_given": reason_given},
    final=frozenset({S.resolved, S.dismissed}),
))
