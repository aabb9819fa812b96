"""Repeated reminders while a clock stays breached: every REMINDER_EVERY_WORKING_DAYS working days after its due
time, at most REMINDER_MAX times; after that only the escalation speaks.

Timers are rows: an `sla.breached` schedules reminder 1 as a `timers` row (kind `sla.reminder`); the tick fires
it as a `timer.due` event; handling that, if the clock is still breached, emits `sla.reminder` (which the rules
notify like any event) and schedules the next one. All of it inside the notifications consumer's transaction, so a
redelivered event neither reminds twice nor schedules twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.calendar.service import StoredCalendar
from berjasa.events.contract import Event
from berjasa.events.models import Timer
from berjasa.events.outbox import emit
from berjasa.sla import policies as policy_store
from berjasa.sla.clocks import CLOCK_FIELDS, event_payload
from berjasa.sla.models import ClockRow
from workflows.calendar import DAY, Calendar
from workflows.sla import Clock

KIND = "sla.reminder"


def is_reminder(event: Event) -> bool:
    return event.event_type == "timer.due" and event.payload.get("kind") == KIND


def reminder_at(calendar: Calendar, due: datetime, number: int, every: int) -> datetime:
    """When reminder `number` falls due: number x every working days after the clock's due time."""
    return calendar.add_working(due, number * every * DAY)


def schedule(session: Session, breached: Sequence[Event], config: Mapping[str, Any]) -> int:
    """The first reminder of each newly breached clock (none when REMINDER_MAX is 0)."""
    if not breached or config["REMINDER_MAX"] < 1:
        return 0
    calendar = StoredCalendar(session)
    rows = [_timer(event.case_type, event.case_id, event.payload["clock_id"],
                   datetime.fromisoformat(event.payload["due_at"]), 1, calendar, config)
            for event in breached if event.payload.get("clock_id") and event.payload.get("due_at")]
    if rows:
        session.execute(sa.insert(Timer), rows)
    return len(rows)


def fire(session: Session, timers: Sequence[Event], config: Mapping[str, Any]) -> int:
    """For each due reminder whose clock is still breached: emit `sla.reminder` and schedule the next (up to
    REMINDER_MAX). A clock met or cancelled meanwhile ends its reminders. Return how many were emitted."""
    if not timers:
        return 0
    ids = [t.payload["clock_id"] for t in timers]
    clocks = {row.id: row for row in session.execute(
        sa.select(ClockRow.case_type, ClockRow.case_id, ClockRow.kecamatan_code,
                  *(getattr(ClockRow, name) for name in CLOCK_FIELDS)).where(ClockRow.id.in_(ids)))}
    policies = policy_store.by_name()
    calendar = StoredCalendar(session)
    emitted, following = 0, []
    for timer in timers:
        row = clocks.get(timer.payload["clock_id"])
        if row is None or row.state != "breached":
            continue
        number = int(timer.payload["reminder"])
        clock = Clock(**{name: getattr(row, name) for name in CLOCK_FIELDS})
        payload = event_payload(row.case_type, row.case_id, row.kecamatan_code, clock, policies.get(clock.policy))
        emit(session, "sla.reminder", case_type=row.case_type, case_id=row.case_id,
             payload={**payload, "reminder": number}, plain=True)
        emitted += 1
        if number < config["REMINDER_MAX"]:
            following.append(_timer(row.case_type, row.case_id, row.id, clock.due_at, number + 1, calendar, config))
    if following:
        session.execute(sa.insert(Timer), following)
    return emitted


def _timer(case_type: str, case_id: int, clock_id: int, due: datetime, number: int, calendar: Calendar,
           config: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": KIND, "case_type": case_type, "case_id": case_id,
            "due_at": reminder_at(calendar, due, number, config["REMINDER_EVERY_WORKING_DAYS"]), "fired_at": None,
            "payload": {"clock_id": clock_id, "reminder": number}}
