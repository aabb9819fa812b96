from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, str_enum, utcnow
from workflows.calendar import DayKind


class CalendarOverride(Base):
    """A day the city sets itself: a local holiday, cuti bersama, or a weekday declared working."""

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    kind: Mapped[DayKind] = mapped_column(str_enum(DayKind, 16))
    name: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(200))
    entered_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CalendarChange(Base):
    """One change of the calendar: its version is this row's id (0 when none was ever made)."""

    __tablename__ = "calendar_changes"

    version: Mapped[int] = mapped_column(primary_key=True)
    change: Mapped[str] = mapped_column(sa.String(16))  # added, removed
    day: Mapped[date] = mapped_column(sa.Date)
    by: Mapped[str] = mapped_column(sa.String(64))
    clocks_moved: Mapped[int] = mapped_column(sa.Integer, default=0)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
