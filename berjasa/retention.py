"""Retention: the rows only the event path needs are pruned once nothing can need them again.

Pruned after RETENTION_DAYS (default 30) by the tick, RETENTION_BATCH rows per short transaction:
- published outbox rows (by their creation; an unpublished row is never pruned, whatever its age);
- processed-message records (by when they were handled), except those of an event whose outbox row is still
  unpublished: the relay will send that one again, and the record is what makes it a no-op;
- fired timers (by when they fired);
- finished deliveries (delivered or failed for good, made before the cut-off, no attempt since), with their
  attempt log (ON DELETE CASCADE).

Why the age is safe for exactly-once effects: an event can reach a consumer again only (a) from an unpublished
outbox row (never pruned), (b) from the embedded mode's start-up sweep, which hands over again the published
events of the last REDELIVERY_WINDOW (30 days) that a consumer has not recorded, or (c) from Redis: a retry
(Dramatiq's back-off, at most a minute apart, 10 times), a killed worker's message requeued after its
heartbeat timeout, or a dead-lettered message an operator requeues (Dramatiq keeps those 7 days). A record is
made after its event, so a record older than the retention belongs to an event older than it too: outside the
sweep's window, and long past (c). That is why RETENTION_DAYS may not be shorter than the window
(berjasa.config refuses it).

Locks: each batch locks only the rows it deletes (PostgreSQL: FOR UPDATE SKIP LOCKED, so two pruners or a
relay never wait on each other; the table lock of a DELETE blocks no INSERT or UPDATE); on SQLite a batch is
one short write transaction. Rows are found by primary key from the oldest (ids follow creation), and
processed records by their processed_at index, so no pass scans a table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import utcnow
from berjasa.events.models import OutboxEvent, ProcessedMessage, Timer
from berjasa.notifications.models import Delivery, DeliveryAttempt
from berjasa.transaction import unit_of_work

#: Per table and call, at most this many batches (the next tick goes on where this one stopped).
MAX_BATCHES = 50


def prune(session: Session, config: Mapping[str, Any], *, now: datetime | None = None,
          max_batches: int = MAX_BATCHES) -> dict[str, int]:
    """Prune what the retention allows; return the rows deleted per table."""
    cutoff = (now or utcnow()) - timedelta(days=int(config["RETENTION_DAYS"]))
    batch = int(config["RETENTION_BATCH"])
    outbox, timers, deliveries = OutboxEvent.__table__, Timer.__table__, Delivery.__table__
    attempts = DeliveryAttempt.__table__
    late_attempt = sa.exists().where(attempts.c.delivery_id == deliveries.c.id, attempts.c.at >= cutoff)
    return {
        "outbox": _by_id(session, outbox, outbox.c.created_at, cutoff, batch, max_batches,
                         outbox.c.published_at.is_not(None)),
        "processed_messages": _processed(session, cutoff, batch, max_batches),
        "timers": _by_id(session, timers, timers.c.created_at, cutoff, batch, max_batches,
                         timers.c.fired_at < cutoff),
        "deliveries": _by_id(session, deliveries, deliveries.c.created_at, cutoff, batch, max_batches,
                             deliveries.c.status.in_(["delivered", "failed"]), ~late_attempt),
    }


def _by_id(session: Session, table: sa.Table, created: sa.Column, cutoff: datetime, batch: int, max_batches: int,
           *eligible: sa.ColumnElement[bool]) -> int:
    """Walk the table by id from the oldest, a window of `batch` rows at a time, deleting the eligible rows made
    before `cutoff`; stop at the first window that starts after it."""
    pk, after, deleted = table.c.id, 0, 0
    window_query = sa.select(pk, created).where(pk > sa.bindparam("after")).order_by(pk).limit(batch)
    for _ in range(max_batches):
        with unit_of_work(session):
            window = session.execute(window_query, {"after": after}).all()
            if not window or window[0][1] >= cutoff:
                break
            after = window[-1][0]
            old = [row[0] for row in window if row[1] < cutoff]
            ids = _lock(session, sa.select(pk).where(pk.in_(old), *eligible))
            if ids:
                session.execute(sa.delete(table).where(pk.in_(ids)))
        deleted += len(ids)
    return deleted


def _processed(session: Session, cutoff: datetime, batch: int, max_batches: int) -> int:
    """Processed-message records handled before `cutoff`, oldest first, but never one whose event is still
    waiting in the outbox to be sent (again)."""
    table, outbox = ProcessedMessage.__table__, OutboxEvent.__table__
    waiting = sa.exists().where(outbox.c.event_id == table.c.message_id, outbox.c.published_at.is_(None))
    key = sa.tuple_(table.c.consumer, table.c.message_id)
    query = (sa.select(table.c.consumer, table.c.message_id).where(table.c.processed_at < cutoff, ~waiting)
             .order_by(table.c.processed_at).limit(batch))
    deleted = 0
    for _ in range(max_batches):
        with unit_of_work(session):
            keys = _lock(session, query)
            if keys:
                session.execute(sa.delete(table).where(key.in_([tuple(k) for k in keys])))
        deleted += len(keys)
        if len(keys) < batch:
            break
    return deleted


def _lock(session: Session, query: sa.Select) -> list[Any]:
    """The rows `query` finds, locked for this transaction and skipping those another holds (PostgreSQL); on
    SQLite the writer lock of the unit of work already keeps others out."""
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    return [row[0] for row in rows] if len(query.selected_columns) == 1 else rows
