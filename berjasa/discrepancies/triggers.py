"""The discrepancy triggers: the data each takes and what it changes besides the state.

The transition table (who may fire what, from where) is workflows/discrepancy.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from berjasa.cases.triggers import Changes, Step, Trigger, Triggers
from berjasa.discrepancies import schemas
from berjasa.discrepancies.models import Discrepancy
from workflows.discrepancy import WORKFLOW
from workflows.roles import Role


def resolved(step: Step, _case: Discrepancy, _data: Mapping[str, Any], _facts: Any) -> Changes:
    """The system resolves what a check run no longer finds: "resolved by data"."""
    return {"resolved_by_data": step.actor.role is Role.SYSTEM}


def reopened(_step: Step, _case: Discrepancy, _data: Mapping[str, Any], _facts: Any) -> Changes:
    return {"resolved_by_data": False}


TRIGGERS = Triggers(WORKFLOW, [
    Trigger("acknowledge", schemas.NoteSchema),
    Trigger("resolve", schemas.ResolutionSchema, apply=resolved),
    Trigger("dismiss", schemas.DismissalSchema),
    Trigger("reopen", schemas.ReopenSchema, apply=reopened),
])
