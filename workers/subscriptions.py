"""Which actors receive which events: the one place where event types meet consumers.

Patterns: an exact event type ("claim.verify"), a prefix ("claim.*"), or "*" for every event."""

from __future__ import annotations

SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    # consumer (actor name): event type patterns
    "case_activity": ("*",),
    "dtsen_import": ("import.requested",),
}


def matches(pattern: str, event_type: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def consumers_for(event_type: str) -> list[str]:
    return [name for name, patterns in SUBSCRIPTIONS.items() if any(matches(p, event_type) for p in patterns)]
