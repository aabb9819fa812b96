"""Consumers' bookkeeping (processed messages, cursors), timers, and what the relay needs to read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import UtcDateTime, utcnow
from berjasa.events.models import OutboxEvent, ProcessedMessage, Timer
from berjasa.events.outbox import emit

# Plain SQL that PostgreSQL and SQLite (3.35+) both run: compiled once, cheap on the consumers' hot path.
CLAIM_MESSAGE = sa.text(
    "INSERT INTO processed_messages (consumer, message_id, outcome, processed_at) "
    "VALUES (:consumer, :message_id, :outcome, :at) ON CONFLICT DO NOTHING RETURNING message_id"
).bindparams(sa.bindparam("at", type_=UtcDateTime))
ADVANCE_CURSOR = sa.text(
    "INSERT INTO consumer_cursors (consumer, case_type, case_id, version) "
    "VALUES (:consumer, :case_type, :case_id, :version) "
    "ON CONFLICT (consumer, case_type, case_id) DO UPDATE SET version = excluded.version "
    "WHERE consumer_cursors.version < excluded.version RETURNING version"
)
RECORD_ACTIVITY = sa.text(
    "INSERT INTO case_activity (case_type, case_id, events_handled, last_version, last_event_type, last_event_at) "
    "VALUES (:case_type, :case_id, 1, :version, :event_type, :at) "
    "ON CONFLICT (case_type, case_id) DO UPDATE SET events_handled = case_activity.events_handled + 1, "
    "last_version = CASE WHEN excluded.last_version > case_activity.last_version "
    "THEN excluded.last_version ELSE case_activity.last_version END, "
    "last_event_type = excluded.last_event_type, last_event_at = excluded.last_event_at"
).bindparams(sa.bindparam("at", type_=UtcDateTime))


def claim_message(session: Session, *, consumer: str, message_id: str, outcome: str = "done") -> bool:
    """Record that `consumer` handles `message_id`; False if it already did.

    INSERT ... ON CONFLICT DO NOTHING RETURNING: the returned row, not rowcount, tells (rowcount is -1
    on psycopg 3)."""
    params = {"consumer": consumer, "message_id": message_id, "outcome": outcome, "at": utcnow()}
    return session.execute(CLAIM_MESSAGE, params).first() is not None


def advance_cursor(session: Session, *, consumer: str, case_type: str, case_id: int, version: int) -> bool:
    """Move the consumer's cursor for a case to `version`; False if it has applied this version or a newer one."""
    params = {"consumer": consumer, "case_type": case_type, "case_id": case_id, "version": version}
    return session.execute(ADVANCE_CURSOR, params).first() is not None


def claim_due_timers(session: Session, *, now: datetime | None = None, limit: int = 500) -> list[Timer]:
    """Mark due timers fired and emit a `timer.due` event each, in the caller's unit of work.

    SKIP LOCKED on PostgreSQL lets two ticks run at once without taking the same row; on SQLite the
    writer lock (BEGIN IMMEDIATE) serialises them."""
    now = now or utcnow()
    query = (
        sa.select(Timer).where(Timer.fired_at.is_(None), Timer.due_at <= now)
        .order_by(Timer.due_at).limit(limit).with_for_update(skip_locked=True)
    )
    timers = list(session.scalars(query))
    for timer in timers:
        timer.fired_at = now
        emit(session, "timer.due", case_type=timer.case_type, case_id=timer.case_id,
             payload={"timer_id": timer.id, "kind": timer.kind, **timer.payload})
    return timers


def type_filter(patterns: Iterable[str]) -> sa.ColumnElement[bool]:
    """SQL for "event_type matches one of these patterns" ('*' = any, 'claim.*' = a prefix)."""
    patterns = list(patterns)
    if "*" in patterns:
        return sa.true()
    exact = [p for p in patterns if not p.endswith(".*")]
    prefixes = [OutboxEvent.event_type.like(p[:-1] + "%") for p in patterns if p.endswith(".*")]
    return sa.or_(OutboxEvent.event_type.in_(exact), *prefixes)


def unfinished_deliveries(
    session: Session, consumers: Mapping[str, Iterable[str]], *, since: timedelta, limit: int = 10_000
) -> list[tuple[OutboxEvent, str]]:
    """Published events that a subscribed consumer never recorded as processed (for the embedded restart)."""
    pending: list[tuple[OutboxEvent, str]] = []
    for consumer, patterns in consumers.items():
        done = sa.exists().where(ProcessedMessage.consumer == consumer,
                                 ProcessedMessage.message_id == OutboxEvent.event_id)
        rows = session.scalars(
            sa.select(OutboxEvent)
            .where(OutboxEvent.published_at.is_not(None), OutboxEvent.created_at >= utcnow() - since,
                   type_filter(patterns), ~done)
            .order_by(OutboxEvent.id).limit(limit)
        )
        pending.extend((row, consumer) for row in rows)
    return pending


def record_activity(
    session: Session, *, case_type: str, case_id: int, version: int, event_type: str, at: datetime
) -> None:
    """The case_activity read model: one more event handled for this case (one upsert, no read)."""
    session.execute(RECORD_ACTIVITY, {"case_type": case_type, "case_id": case_id, "version": version,
                                      "event_type": event_type, "at": at})
