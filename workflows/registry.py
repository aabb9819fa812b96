"""The product's workflows by name. Each workflow module registers itself; `load()` imports them all."""

from __future__ import annotations

import importlib

from workflows.engine import Workflow

WORKFLOWS: dict[str, Workflow] = {}
MODULES = ("workflows.enrolment", "workflows.claim", "workflows.discrepancy")


def register(workflow: Workflow) -> Workflow:
    WORKFLOWS[workflow.name] = workflow
    return workflow


def load() -> dict[str, Workflow]:
    for module in MODULES:
        importlib.import_module(module)
    return WORKFLOWS
