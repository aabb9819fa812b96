"""The checks' own records: each run of a check, and the nightly run of each WITA day."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, utcnow

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class CheckRun(Base):
    """One run of one check: why it ran (event, import, nightly, manual), on what (full or a few subjects), how
    long it took and what it did."""

    __tablename__ = "check_runs"
    __table_args__ = (sa.Index("ix_check_runs_check", "check", "id"),
                      sa.Index("ix_check_runs_import", "import_batch_id"))

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    check: Mapped[str] = mapped_column(sa.String(48))
    trigger: Mapped[str] = mapped_column(sa.String(16))  # event, import, nightly, manual
    full: Mapped[bool] = mapped_column(sa.Boolean)
    import_batch_id: Mapped[int | None] = mapped_column(BIGINT)
    status: Mapped[str] = mapped_column(sa.String(16), default="done")  # done, skipped (no data to compare)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    found: Mapped[int] = mapped_column(sa.Integer, default=0)
    opened: Mapped[int] = mapped_column(sa.Integer, default=0)
    reopened: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated: Mapped[int] = mapped_column(sa.Integer, default=0)
    auto_resolved: Mapped[int] = mapped_column(sa.Integer, default=0)


class CheckNight(Base):
    """The nightly full run of one WITA day was requested (two ticks never request it twice)."""

    __tablename__ = "check_nights"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
