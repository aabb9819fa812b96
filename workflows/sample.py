"""The reference workflow: small, but with every feature the engine offers (several sources, a
transition back to the same state, guards with reasons, data schemas, several roles). The engine's
tests and benchmarks run on it; it is not one of the product's workflows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from workflows.engine import Workflow, case_guard, transition
from workflows.roles import Role

R = Role


class SampleState(StrEnum):
    open = "open"
    in_review = "in_review"
    approved = "approved"
    rejected = "rejected"
    closed = "closed"


S = SampleState
DEFAULT_AMOUNT_LIMIT = 10_000_000


@dataclass(frozen=True)
class SampleFacts:
    amount_limit: int = DEFAULT_AMOUNT_LIMIT


@case_guard
def has_title(case: Any, _data: Mapping[str, Any], _facts: SampleFacts | None) -> str | None:
    return None if (case.title or "").strip() else "the case has no title"


def amount_within_limit(_case: Any, data: Mapping[str, Any], facts: SampleFacts) -> str | None:
    limit = facts.amount_limit
    amount = data.get("amount", 0)
    return None if amount <= limit else f"amount {amount} is over the limit of {limit}"


WORKFLOW = Workflow(
    name="sample",
    description="Reference workflow for the engine's tests and benchmarks.",
    states=SampleState,
    initial=S.open,
    transitions=[
        transition("submit", S.open, S.in_review, [R.CASEWORKER, R.HOSPITAL_STAFF], guards=["has_title"]),
        transition("comment", S.in_review, S.in_review, [R.CASEWORKER, R.SUPERVISOR, R.BPJS_OFFICER]),
        transition("approve", S.in_review, S.approved, [R.SUPERVISOR], guards=["amount_within_limit"]),
        transition("reject", [S.open, S.in_review], S.rejected, [R.SUPERVISOR, R.BPJS_OFFICER]),
        transition("reopen", S.rejected, S.open, [R.SUPERVISOR]),
        transition("close", [S.approved, S.rejected], S.closed, [R.CASEWORKER, R.SUPERVISOR, R.SYSTEM]),
    ],
    guards={"has_title": has_title, "amount_within_limit": amount_within_limit},
    facts=SampleFacts,
)
