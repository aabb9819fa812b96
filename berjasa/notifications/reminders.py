"""Repeated reminders while a clock stays breached: every REMINDER_EVERY_WORKING_DAYS working days after its due
time, at most REMINDER_MAX times; after that only the escalation speaks.

Timers are rows: an `sla.breached` schedules reminder 1 as a `timers` row (kind `sla.reminder`); the tick fires
it as a `timer.due` event; handling that, if the clock is still breached, emits `sla.reminder` (which the rules
notify like any event) and schedules the next one. All of it inside the notifications consumer's transaction, so a
redelivered event neither reminds twice nor schedules twice."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.calendar.service import overrides
from berjasa.db import insert_many, utcnow
from berjasa.events.contract import Event
from berjasa.events.models import Timer
from berjasa.events.outbox import emit
from berjasa.sla import policies as policy_store
from berjasa.sla.clocks import CLOCK_FIELDS, event_payload
from berjasa.sla.models import ClockRow
from workflows.calendar import DAY, WITA, Calendar, Override
from workflows.sla import Clock

KIND = "sla.reminder"


def is_reminder(event: Event) -> bool:
    return event.event_type == "timer.due" and event.payload.get("kind") == KIND


def reminder_at(calendar: Calendar, due: datetime, number: int, every: int) -> datetime:
    """When reminder `number` falls due: number x every working days after the clock's due time."""
    local = due.astimezone(WITA)
    if not calendar.is_working_day(local.date()):
        return calendar.add_working(due, number * every * DAY)
    # from a working day, whole working days land at the same time of day: walk the dates (cheaper, same answer)
    day, left = local.date(), number * every
    while left:
        day += timedelta(days=1)
        left -= calendar.is_working_day(day)
    return datetime.combine(day, local.timetz())


#: The calendar per engine, read again after CALENDAR_TTL: reminders are days apart, so a calendar change
#: reaching them a minute late does no harm, and a batch of events costs no calendar queries.
CALENDAR_TTL = 60.0
_calendars: weakref.WeakKeyDictionary[Any, tuple[float, Calendar]] = weakref.WeakKeyDictionary()


def calendar_of(session: Session) -> Calendar:
    """The working-day calendar in force (held for CALENDAR_TTL seconds), each day's answer kept."""
    held = _calendars.get(session.get_bind())
    if held is None or time.monotonic() - held[0] > CALENDAR_TTL:
        held = (time.monotonic(), _DaysKept(overrides(session)))
        _calendars[session.get_bind()] = held
    return held[1]


class _DaysKept(Calendar):
    def __init__(self, days_set: Iterable[Override]) -> None:
        super().__init__(days_set)
        self._days: dict[tuple[date, bool], bool] = {}

    def is_working_day(self, day: date, *, cuti_bersama_off: bool = True) -> bool:
        key = (day, cuti_bersama_off)
        if key not in self._days:
            self._days[key] = super().is_working_day(day, cuti_bersama_off=cuti_bersama_off)
        return self._days[key]


def schedule(session: Session, breached: Sequence[Event], config: Mapping[str, Any]) -> int:
    """The first reminder of each newly breached clock (none when REMINDER_MAX is 0)."""
    if not breached or config["REMINDER_MAX"] < 1:
        return 0
    calendar = calendar_of(session)
    rows = [_timer(event.case_type, event.case_id, event.payload["clock_id"],
                   datetime.fromisoformat(event.payload["due_at"]), 1, calendar, config)
            for event in breached if event.payload.get("clock_id") and event.payload.get("due_at")]
    insert_many(session, Timer.__table__, rows)
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
    calendar = calendar_of(session)
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
    insert_many(session, Timer.__table__, following)
    return emitted


def _timer(case_type: str, case_id: int, clock_id: int, due: datetime, number: int, calendar: Calendar,
           config: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": KIND, "case_type": case_type, "case_id": case_id,
            "due_at": reminder_at(calendar, due, number, config["REMINDER_EVERY_WORKING_DAYS"]), "fired_at": None,
            "payload": {"clock_id": clock_id, "reminder": number}, "created_at": utcnow()}
