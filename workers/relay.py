"""The outbox relay: unpublished rows -> one Dramatiq message per subscribed actor -> published.

PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED and marked in the same transaction, so
several relays share the work. SQLite: a short lease marks rows as taken, then they are sent and
marked. A crash between send and mark sends again; consumers absorb the duplicate."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
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


def message_of(row: OutboxEvent) -> dict:
    return {
        "event_id": row.event_id, "event_type": row.event_type, "case_type": row.case_type,
        "case_id": row.case_id, "case_version": row.case_version, "payload": row.payload,
        "created_at": row.created_at.isoformat(),
    }


def send(row: OutboxEvent, consumer: str) -> None:
    dramatiq.get_broker().get_actor(consumer).send(message_of(row))


def publish(row: OutboxEvent) -> None:
    for name in consumers_for(row.event_type):
        send(row, name)


def relay_once(session: Session, *, batch: int = 500, owner: str | None = None) -> int:
    """Publish up to `batch` unpublished rows; return how many were published."""
    if session.get_bind().dialect.name == "postgresql":
        return _relay_locked(session, batch)
    return _relay_leased(session, batch, owner or default_owner())


def _relay_locked(session: Session, batch: int) -> int:
    with unit_of_work(session):
        rows = list(session.scalars(
            sa.select(OutboxEvent).where(OutboxEvent.published_at.is_(None)).order_by(OutboxEvent.id)
            .limit(batch).with_for_update(skip_locked=True)
        ))
        for row in rows:
            publish(row)
        _mark_published(session, [r.id for r in rows])
    return len(rows)


def _relay_leased(session: Session, batch: int, owner: str) -> int:
    now = utcnow()
    with unit_of_work(session):
        rows = list(session.scalars(
            sa.select(OutboxEvent)
            .where(OutboxEvent.published_at.is_(None),
                   sa.or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now))
            .order_by(OutboxEvent.id).limit(batch)
        ))
        session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                        .values(lease_owner=owner, lease_until=now + LEASE))
    for row in rows:
        publish(row)
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
