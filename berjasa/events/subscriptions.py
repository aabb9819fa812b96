"""Which consumers receive which events: the one place where event types meet consumers.

A consumer is a Dramatiq actor of the same name (workers/). Patterns: an exact event type
("claim.verify"), a prefix ("claim.*"), or "*" for every event."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from berjasa.events.models import OutboxEvent
from workflows.checks import EVENT_TYPES as CHECKED
from workflows.notifications import EVENT_TYPES as NOTIFIED

SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    # consumer (actor name): event type patterns
    "case_activity": ("*",),
    "dtsen_import": ("import.requested",),
    "audit_verification": ("audit.verification_requested",),
    "pong": ("system.ping",),
    # the rules' events, and the reminders' timers (berjasa/notifications/)
    "notifications": (*NOTIFIED, "timer.due"),
    # webhook POSTs and e-mails to send now
    "deliveries": ("delivery.due",),
    # the cross-checks: what their declarations name (workflows/checks.py), imports done (or the same file again),
    # runs asked for
    "checks": (*CHECKED, "import.finished", "import.repeated", "checks.requested"),
    # the reports' read models (berjasa/reports/projections.py): whatever changes a case, its clocks or its person
    "reports": ("claim.*", "enrolment.*", "sla.*", "participant.corrected"),
}


def matches(pattern: str, event_type: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def consumers_for(event_type: str) -> list[str]:
    return [name for name, patterns in SUBSCRIPTIONS.items() if any(matches(p, event_type) for p in patterns)]


def type_filter(patterns: Iterable[str]) -> sa.ColumnElement[bool]:
    """SQL for "the outbox row's event_type matches one of these patterns", as `matches` says."""
    patterns = list(patterns)
    if "*" in patterns:
        return sa.true()
    exact = [p for p in patterns if not p.endswith(".*")]
    prefixes = [OutboxEvent.event_type.like(p[:-1] + "%") for p in patterns if p.endswith(".*")]
    return sa.or_(OutboxEvent.event_type.in_(exact), *prefixes)
