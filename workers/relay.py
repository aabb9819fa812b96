"""The outbox relay: unpublished rows -> one Dramatiq message per subscribed actor -> published.

PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED and marked in the same transaction, so
several relays share the work. SQLite: a short lease marks rows as taken, then they are sent and
marked. A crash between send and mark sends again; consumers absorb the duplicate."""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta

import dramatiq
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from berjasa.db import db, unit_of_work, utcnow
from berjasa.events.models import OutboxEvent
from workers import actors as _actors  # noqa: F401  (declares the consumers the relay sends to)
from workers.subscriptions import consumers_for

log = logging.getLogger("berjasa.relay")
LEASE = timedelta(seconds=30)
#: Events per Dramatiq message: enough to amortise a transaction, few enough to spread over the workers.
CHUNK = 50


def message_of(row: OutboxEvent) -> dict:
    return {
        "event_id": row.event_id, "event_type": row.event_type, "case_type": row.case_type,
        "case_id": row.case_id, "case_version": row.case_version, "payload": row.payload,
        "created_at": row.created_at.isoformat(),
    }


def send(rows: Sequence[OutboxEvent], consumer: str) -> None:
    """One Dramatiq message carrying these events to one consumer."""
    dramatiq.get_broker().get_actor(consumer).send([message_of(row) for row in rows])


def publish(rows: Sequence[OutboxEvent], chunk: int = CHUNK) -> None:
    """Hand each consumer its events in batches of at most `chunk`; a case's events share a batch, in order."""
    by_consumer: dict[str, list[OutboxEvent]] = defaultdict(list)
    for row in rows:
        for name in consumers_for(row.event_type):
            by_consumer[name].append(row)
    for name, mine in by_consumer.items():
        for batch in batches(mine, chunk):
            send(batch, name)


def batches(rows: list[OutboxEvent], chunk: int) -> list[list[OutboxEvent]]:
    """Split rows into about len/chunk batches by case, keeping each case's rows together and in id order."""
    count = max(1, math.ceil(len(rows) / chunk))
    buckets: list[list[OutboxEvent]] = [[] for _ in range(count)]
    for row in rows:
        key = hash((row.case_type, row.case_id)) if row.case_id is not None else row.id
        buckets[key % count].append(row)
    return [bucket for bucket in buckets if bucket]


#: What the relay reads of a row: plain rows, no ORM objects on this path.
COLUMNS = (OutboxEvent.id, OutboxEvent.event_id, OutboxEvent.event_type, OutboxEvent.case_type,
           OutboxEvent.case_id, OutboxEvent.case_version, OutboxEvent.payload, OutboxEvent.created_at)


def relay_once(session: Session, *, batch: int = 500, owner: str | None = None) -> int:
    """Publish up to `batch` unpublished rows; return how many were published."""
    if session.get_bind().dialect.name == "postgresql":
        return _relay_locked(session, batch)
    return _relay_leased(session, batch, owner or default_owner())


def _relay_locked(session: Session, batch: int) -> int:
    with unit_of_work(session):
        rows = session.execute(
            sa.select(*COLUMNS).where(OutboxEvent.published_at.is_(None)).order_by(OutboxEvent.id)
            .limit(batch).with_for_update(skip_locked=True)
        ).all()
        publish(rows)
        _mark_published(session, [r.id for r in rows])
    return len(rows)


def _relay_leased(session: Session, batch: int, owner: str) -> int:
    now = utcnow()
    with unit_of_work(session):
        rows = session.execute(
            sa.select(*COLUMNS)
            .where(OutboxEvent.published_at.is_(None),
                   sa.or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now))
            .order_by(OutboxEvent.id).limit(batch)
        ).all()
        session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                        .values(lease_owner=owner, lease_until=now + LEASE))
    publish(rows)
    with unit_of_work(session):
        _mark_published(session, [r.id for r in rows], owner=owner)
    return len(rows)


def _mark_published(session: Session, ids: list[int], owner: str | None = None) -> None:
    if not ids:
        return
    query = sa.update(OutboxEvent).where(OutboxEvent.id.in_(ids))
    if owner is not None:
        query = query.where(OutboxEvent.lease_owner == owner)
    session.execute(query.values(published_at=utcnow()))


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run(app: Flask, stopping: threading.Event, wait: Callable[[float], None]) -> None:
    """Relay until `stopping` is set: drain, then wait for a nudge or the poll interval."""
    batch, poll = app.config["RELAY_BATCH"], app.config["RELAY_POLL_SECONDS"]
    gather = app.config["RELAY_GATHER_MS"] / 1000
    owner = default_owner()
    with app.app_context():
        while not stopping.is_set():
            try:
                with db.new_session() as session:
                    published = relay_once(session, batch=batch, owner=owner)
            except Exception:  # the database or broker is away: keep the rows, try again later
                log.warning("relay pass failed; retrying", exc_info=True)
                published = 0
                stopping.wait(poll)
            if published < batch:
                wait(poll)
                # After a nudge, let the commits of the next few milliseconds join the same pass: under load
                # that turns one message per event into one per batch, for a few ms of latency.
                stopping.wait(gather)
