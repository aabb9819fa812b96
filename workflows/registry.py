"""The product's workflows by name. Domains add theirs here as they land."""

from __future__ import annotations

from workflows.engine import Workflow

WORKFLOWS: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    WORKFLOWS[workflow.name] = workflow
    return workflow
