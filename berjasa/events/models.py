from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, utcnow

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class CaseEvent(Base):
    """One state change of one case. Append-only; each row carries the hash of the previous one."""

    __tablename__ = "case_events"
    __table_args__ = (sa.UniqueConstraint("case_type", "case_id", "seq", name="uq_case_events_case_seq"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    case_type: Mapped[str] = mapped_column(sa.String(32))
    case_id: Mapped[int] = mapped_column(sa.BigInteger)
    seq: Mapped[int] = mapped_column(sa.Integer)
    trigger: Mapped[str] = mapped_column(sa.String(64))
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str] = mapped_column(sa.String(32))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(20))
    party: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class OutboxEvent(Base):
    """A domain event written with the state change; the relay hands it to the subscribed actors."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL"),
                 sqlite_where=sa.text("published_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    case_type: Mapped[str | None] = mapped_column(sa.String(32))
    case_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    case_version: Mapped[int | None] = mapped_column(sa.Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ProcessedMessage(Base):
    """A message a consumer has handled (or refused for good): a second delivery is a no-op."""

    __tablename__ = "processed_messages"
    # retention prunes the oldest records first (berjasa/retention.py)
    __table_args__ = (sa.Index("ix_processed_messages_processed_at", "processed_at"),)

    consumer: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    outcome: Mapped[str] = mapped_column(sa.String(16), default="done")
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConsumerCursor(Base):
    """The newest case version a consumer has applied, so an older event arriving late is ignored."""

    __tablename__ = "consumer_cursors"

    consumer: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    case_type: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)


class Timer(Base):
    """A clock or reminder that falls due at `due_at`; the scheduler tick claims it once."""

    __tablename__ = "timers"
    __table_args__ = (
        sa.Index("ix_timers_due", "due_at", postgresql_where=sa.text("fired_at IS NULL"),
                 sqlite_where=sa.text("fired_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    case_type: Mapped[str | None] = mapped_column(sa.String(32))
    case_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CaseActivity(Base):
    """Read model kept by the `case_activity` consumer: how much happened to a case, and when last."""

    __tablename__ = "case_activity"

    case_type: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    events_handled: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_version: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_event_type: Mapped[str] = mapped_column(sa.String(64))
    last_event_at: Mapped[datetime] = mapped_column(UtcDateTime)
