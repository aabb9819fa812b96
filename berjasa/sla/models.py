from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, utcnow

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class ClockRow(Base):
    """A run of an SLA policy on one case (workflows/sla.py explains the columns)."""

    __tablename__ = "clocks"
    __table_args__ = (
        sa.UniqueConstraint("case_type", "case_id", "policy", "run", name="uq_clocks_case_policy_run"),
        # the tick's query: what needs attention next, and only that (cost grows with what is due)
        sa.Index("ix_clocks_next_at", "next_at", postgresql_where=sa.text("next_at IS NOT NULL"),
                 sqlite_where=sa.text("next_at IS NOT NULL")),
        # the worklist: open clocks by due time
        sa.Index("ix_clocks_open_due", "due_at", postgresql_where=sa.text("state IN ('running', 'breached')"),
                 sqlite_where=sa.text("state IN ('running', 'breached')")),
        sa.Index("ix_clocks_hospital", "hospital_id", "due_at"),
        # a party's worklist (overdue, due soon) and BPJS's queues (a policy's open clocks by due time)
        sa.Index("ix_clocks_party_state_due", "party", "state", "due_at"),
        sa.Index("ix_clocks_policy_state_due", "policy", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    case_type: Mapped[str] = mapped_column(sa.String(32))
    case_id: Mapped[int] = mapped_column(sa.BigInteger)
    policy: Mapped[str] = mapped_column(sa.String(64))
    run: Mapped[int] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.String(16))
    party: Mapped[str] = mapped_column(sa.String(16))
    hospital_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id"))
    kecamatan_code: Mapped[str | None] = mapped_column(sa.String(2))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    running_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used: Mapped[float] = mapped_column(sa.Float, default=0.0)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalate_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lateness: Mapped[float | None] = mapped_column(sa.Float)
    calendar_version: Mapped[int] = mapped_column(sa.Integer, default=0)


class Breach(Base):
    """A clock that passed its due time: recorded once (by the transition or the tick), justified by a supervisor."""

    __tablename__ = "sla_breaches"
    __table_args__ = (sa.Index("ix_sla_breaches_breached", "breached_at"),)

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    clock_id: Mapped[int] = mapped_column(sa.ForeignKey("clocks.id"), unique=True)
    case_type: Mapped[str] = mapped_column(sa.String(32))
    case_id: Mapped[int] = mapped_column(sa.BigInteger)
    policy: Mapped[str] = mapped_column(sa.String(64))
    party: Mapped[str] = mapped_column(sa.String(16))
    hospital_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id"), index=True)
    kecamatan_code: Mapped[str | None] = mapped_column(sa.String(2))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    breached_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lateness: Mapped[float | None] = mapped_column(sa.Float)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    justified: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    justification_code: Mapped[str | None] = mapped_column(sa.String(32))
    justification_note: Mapped[str | None] = mapped_column(sa.Text)
    justified_by: Mapped[str | None] = mapped_column(sa.String(64))
    justified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
