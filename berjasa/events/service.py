"""Consumers' bookkeeping (processed messages, cursors), timers, and the case_activity read model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import UtcDateTime, insert_many, upsert, utcnow
from berjasa.events.models import ConsumerCursor, ProcessedMessage, Timer
from berjasa.events.outbox import emit

# Plain SQL that PostgreSQL and SQLite (3.35+) both run, compiled once: the read model's hot path.
RECORD_ACTIVITY = sa.text(
    "INSERT INTO case_activity (case_type, case_id, events_handled, last_version, last_event_type, last_event_at) "
    "VALUES (:case_type, :case_id, :count, :version, :event_type, :at) "
    "ON CONFLICT (case_type, case_id) DO UPDATE SET "
    "events_handled = case_activity.events_handled + excluded.events_handled, "
    "last_version = CASE WHEN excluded.last_version > case_activity.last_version "
    "THEN excluded.last_version ELSE case_activity.last_version END, "
    "last_event_type = excluded.last_event_type, last_event_at = excluded.last_event_at"
).bindparams(sa.bindparam("at", type_=UtcDateTime))


def claim_messages(session: Session, *, consumer: str, message_ids: Sequence[str]) -> set[str]:
    """Record a batch of messages for `consumer` in one statement; return the ids it had not handled before."""
    if not message_ids:
        return set()
    now = utcnow()
    rows = [{"consumer": consumer, "message_id": m, "outcome": "done", "processed_at": now}
            for m in dict.fromkeys(message_ids)]
    return set(insert_many(session, ProcessedMessage.__table__, rows, skip_conflicts=True, returning="message_id"))


def mark_failed(session: Session, *, consumer: str, message_id: str) -> None:
    """A consumer refused this message for good: keep the record, with outcome `failed`."""
    session.execute(sa.update(ProcessedMessage).where(ProcessedMessage.consumer == consumer,
                                                      ProcessedMessage.message_id == message_id)
                    .values(outcome="failed"))


def advance_cursors(
    session: Session, *, consumer: str, events: Sequence[tuple[str, int, int]]
) -> list[bool]:
    """For (case_type, case_id, version) in order: True where the version is newer than what `consumer`
    applied to that case (counting earlier items of the batch), False where it is stale. Moves the
    cursors in two statements whatever the batch size."""
    keys = list({(t, i) for t, i, _ in events})
    if not keys:
        return []
    applied = dict(
        ((t, i), v) for t, i, v in session.execute(
            sa.select(ConsumerCursor.case_type, ConsumerCursor.case_id, ConsumerCursor.version)
            .where(ConsumerCursor.consumer == consumer,
                   sa.tuple_(ConsumerCursor.case_type, ConsumerCursor.case_id).in_(keys))
            .with_for_update()
        )
    )
    verdicts = []
    for case_type, case_id, version in events:
        newer = version > applied.get((case_type, case_id), 0)
        if newer:
            applied[(case_type, case_id)] = version
        verdicts.append(newer)
    stmt = upsert(session, ConsumerCursor).values(
        [{"consumer": consumer, "case_type": t, "case_id": i, "version": applied[(t, i)]} for t, i in keys]
    )
    session.execute(stmt.on_conflict_do_update(
        index_elements=["consumer", "case_type", "case_id"], set_={"version": stmt.excluded.version},
        where=ConsumerCursor.version < stmt.excluded.version,
    ))
    return verdicts


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


def record_activity(session: Session, items: Sequence[tuple[str, int, int, str, datetime]]) -> None:
    """The case_activity read model: for each (case_type, case_id, version, event_type, at), one more event
    handled. Items of one case are folded first, so each case costs one row of one upsert."""
    folded: dict[tuple[str, int], dict[str, Any]] = {}
    for case_type, case_id, version, event_type, at in items:
        row = folded.setdefault((case_type, case_id), {"case_type": case_type, "case_id": case_id, "count": 0,
                                                        "version": 0, "event_type": event_type, "at": at})
        row["count"] += 1
        row["version"] = max(row["version"], version)
        row["event_type"], row["at"] = event_type, at
    if folded:
        session.execute(RECORD_ACTIVITY, list(folded.values()))
