"""The outbox relay: unpublished rows -> one Dramatiq message per subscribed actor -> published.

PostgreSQL: rows are taken with FOR UPDATE SKIP LOCKED and marked in the same transaction, so several
relays share the work. SQLite: a short lease marks rows as taken, then they are sent and marked. A crash
between send and mark sends again; consumers absorb the duplicate. The queries are berjasa.events.outbox's;
this module sends."""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import dramatiq
from flask import Flask
from sqlalchemy.orm import Session

from berjasa import metrics
from berjasa.db import db
from berjasa.events import outbox
from berjasa.events.contract import Event
from berjasa.events.subscriptions import consumers_for
from berjasa.transaction import unit_of_work
from workers import actors as _actors  # noqa: F401  (declares the consumers the relay sends to)

log = logging.getLogger("berjasa.relay")
#: Events per Dramatiq message: enough to amortise a transaction, few enough to spread over the workers.
CHUNK = 50
#: SQLite: how long rows taken by a relay stay its own before another relay may send them again.
LEASE = timedelta(seconds=30)


def send(rows: Sequence[Any], consumer: str) -> None:
    """One Dramatiq message carrying these outbox rows' events to one consumer."""
    dramatiq.get_broker().get_actor(consumer).send([Event.of(row).to_message() for row in rows])


def publish(rows: outbox.Rows, chunk: int = CHUNK) -> None:
    """Hand each consumer its events in batches of at most `chunk`; a case's events share a batch, in order."""
    by_consumer: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        for name in consumers_for(row.event_type):
            by_consumer[name].append(row)
    for name, mine in by_consumer.items():
        for batch in batches(mine, chunk):
            send(batch, name)


def batches(rows: list[Any], chunk: int) -> list[list[Any]]:
    """Split outbox rows into about len/chunk batches by case, keeping each case's rows together and in id
    order."""
    count = max(1, math.ceil(len(rows) / chunk))
    buckets: list[list[Any]] = [[] for _ in range(count)]
    for row in rows:
        key = hash((row.case_type, row.case_id)) if row.case_id is not None else row.id
        buckets[key % count].append(row)
    return [bucket for bucket in buckets if bucket]


def relay_once(session: Session, *, batch: int = 500, owner: str | None = None) -> int:
    """Publish up to `batch` unpublished rows; return how many were published."""
    if session.get_bind().dialect.name == "postgresql":
        with unit_of_work(session):
            rows = outbox.take_locked(session, batch)
            publish(rows)
            _mark_published(session, [row.id for row in rows])
    else:
        owner = owner or default_owner()
        with unit_of_work(session):
            rows = outbox.take_leased(session, batch, owner, LEASE)
        publish(rows)
        with unit_of_work(session):
            _mark_published(session, [row.id for row in rows], owner=owner)
    if rows:
        metrics.relayed([row.created_at for row in rows])
    return len(rows)


def _mark_published(session: Session, ids: list[int], owner: str | None = None) -> None:
    # a name of this module's own, so that fault tests can make the relay die between sending and marking
    outbox.mark_published(session, ids, owner)


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
                metrics.RELAY_FAILURES.inc()
                published = 0
                stopping.wait(poll)
            else:
                metrics.RELAY_LAST_PASS.set_to_current_time()
            if published < batch:
                wait(poll)
                # After a nudge, let the commits of the next few milliseconds join the same pass: under load
                # that turns one message per event into one per batch, for a few ms of latency.
                stopping.wait(gather)
