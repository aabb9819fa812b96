"""The SLA policies in force: the defaults of workflows/policies.py, changed by the TOML file that
BERJASA_SLA_POLICIES names, e.g.

    [claim.bpjs_decision]
    duration = "2m"        # 48h, 30d, 14wd (working days), 5y, 90s, 15m
    warn_before = "1m"     # or "none"
    escalate_after = "1m"  # or "none"
    cuti_bersama_off = true  # working-day clocks: whether cuti bersama are days off
    enabled = false        # leave the policy out
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from flask import Flask, current_app

from workflows.policies import DEFAULT_POLICIES, with_overrides
from workflows.sla import Policy

EXTENSION = "berjasa.sla_policies"


class PolicyError(ValueError):
    """The policies file is missing or wrong; the message says where."""


def load(path: str | None) -> list[Policy]:
    if not path:
        return list(DEFAULT_POLICIES)
    try:
        raw = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"cannot read {path}: {exc}") from None
    overrides = {f"{case_type}.{name}": settings for case_type, table in raw.items() if isinstance(table, dict)
                 for name, settings in table.items() if isinstance(settings, dict)}
    try:
        return with_overrides(DEFAULT_POLICIES, overrides)
    except ValueError as exc:
        raise PolicyError(f"{path}: {exc}") from None


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = load(app.config.get("SLA_POLICIES"))


def in_force() -> list[Policy]:
    return current_app.extensions[EXTENSION]


def by_name() -> dict[str, Policy]:
    return {policy.name: policy for policy in in_force()}
