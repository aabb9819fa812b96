"""The calendar in force (the package's days and the city's overrides), and changes to it: each bumps the
calendar's version and moves the due times of the running working-day clocks it affects, in its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.calendar.models import CalendarChange, CalendarOverride
from berjasa.db import read_only
from berjasa.errors import Conflict, NotFound, ValidationFailed
from berjasa.events import audit
from berjasa.transaction import unit_of_work
from workflows.calendar import WITA, Calendar, DayKind, Override


class StoredCalendar(Calendar):
    """The calendar as the database has it, read on first use: a transition whose clocks run on wall-clock time
    never reads it."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session
        self._version: int | None = None

    @property
    def version(self) -> int:  # type: ignore[override]
        self._load()
        return self._version or 0

    @version.setter
    def version(self, value: int) -> None:
        self._version = value if value else None

    def day_off(self, day: date):  # type: ignore[no-untyped-def]
        self._load()
        return super().day_off(day)

    def is_working_day(self, day: date, *, cuti_bersama_off: bool = True) -> bool:
        self._load()
        return super().is_working_day(day, cuti_bersama_off=cuti_bersama_off)

    def days_off(self, year: int):  # type: ignore[no-untyped-def]
        self._load()
        return super().days_off(year)

    def _load(self) -> None:
        if self._version is not None:
            return
        self._overrides = {o.day: o for o in overrides(self._session)}
        self._version = current_version(self._session)


def overrides(session: Session) -> list[Override]:
    rows = session.execute(sa.select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.name,
                                     CalendarOverride.source))
    return [Override(day, kind, name, source) for day, kind, name, source in rows]


def current_version(session: Session) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(CalendarChange.version), 0))) or 0


# ---------------------------------------------------------------- reading
def year(*, session: Session, year: int) -> dict[str, Any]:
    """Every weekday of `year` that is not a working day (name, kind, source), and the weekdays declared working."""
    calendar = StoredCalendar(session)
    working = [o for o in overrides(session) if o.kind is DayKind.working_day and o.day.year == year]
    return {"year": year, "version": calendar.version, "days_off": calendar.days_off(year),
            "working_days": sorted(working, key=lambda o: o.day)}


def list_overrides(*, session: Session) -> list[CalendarOverride]:
    return list(session.scalars(sa.select(CalendarOverride).order_by(CalendarOverride.day)))


# ---------------------------------------------------------------- changing
def add_override(*, session: Session, actor: Actor, data: Mapping[str, Any]) -> tuple[CalendarOverride, int]:
    """Add a holiday, cuti bersama or working day; return it with the number of clocks whose times moved."""
    day, kind = data["day"], DayKind(data["kind"])
    if kind is DayKind.working_day and day.weekday() >= 5:
        raise ValidationFailed("A weekend day is never a working day here",
                               errors={"day": ["is a Saturday or Sunday: only weekdays can be declared working"]})
    with unit_of_work(session):
        if session.scalar(sa.select(CalendarOverride.id).where(CalendarOverride.day == day)) is not None:
            raise Conflict(f"{day.isoformat()} has an override already; remove it first",
                           errors={"day": ["has an override already"]})
        override = CalendarOverride(day=day, kind=kind, name=data["name"], source=data["source"],
                                    entered_by=actor.username)
        session.add(override)
        session.flush()
        moved = _changed(session, actor, "added", override)
    return override, moved


def remove_override(*, session: Session, actor: Actor, override_id: int) -> int:
    """Remove an override; return the number of clocks whose times moved back."""
    with unit_of_work(session):
        override = session.get(CalendarOverride, override_id, with_for_update=True)
        if override is None:
            raise NotFound(f"No calendar override {override_id}")
        moved = _changed(session, actor, "removed", override)
    return moved


def _changed(session: Session, actor: Actor, change: str, override: CalendarOverride) -> int:
    """Audit the change, bump the version, and move the working-day clocks it affects (same transaction)."""
    from berjasa.sla.service import reschedule_working_clocks

    audit.append(session, case_type="calendar_override", case_id=override.id, trigger=change,
                 actor=actor, state="removed" if change == "removed" else "in_force",
                 data={"day": override.day.isoformat(), "kind": override.kind.value, "name": override.name,
                       "source": override.source})
    record = CalendarChange(change=change, day=override.day, by=actor.username)
    session.add(record)
    session.flush()
    if change == "removed":
        session.delete(override)
        session.flush()
    calendar = StoredCalendar(session)
    since = datetime.combine(override.day, time(), WITA)
    record.clocks_moved = reschedule_working_clocks(session, calendar, since=since,
                                                    until=since + timedelta(days=1))
    return record.clocks_moved


def get_override(*, session: Session, override_id: int) -> CalendarOverride:
    with read_only(session):
        override = session.get(CalendarOverride, override_id)
    if override is None:
        raise NotFound(f"No calendar override {override_id}")
    return override
