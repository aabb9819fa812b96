"""The outbox: events written in the transaction of the change they describe, and the relay's queries.

Writing: `emit()` adds an event to the open unit of work's buffer; `berjasa.transaction.unit_of_work`
writes the buffer (one INSERT) just before it commits and drops it if the work fails, then wakes the
relay. Reading: the relay takes unpublished rows (SKIP LOCKED on PostgreSQL, a lease on SQLite), sends
them, and marks them published; these are its queries."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from berjasa.db import bulk_insert, utcnow
from berjasa.events.contract import FIELDS, Event
from berjasa.events.models import OutboxEvent, ProcessedMessage
from berjasa.events.subscriptions import type_filter

log = logging.getLogger("berjasa.outbox")
#: session.info key: the events of the open unit of work, written just before it commits.
BUFFER = "berjasa.outbox"
#: What a relay reads of a row: the row id, to mark it, and the event's own fields.
COLUMNS = (OutboxEvent.id, *(getattr(OutboxEvent, name) for name in FIELDS))
LEASE = timedelta(seconds=30)
INSERT = OutboxEvent.__table__.insert()  # built once: one per unit of work that emits
#: Above this many events in one transaction (an import), the rows go in with COPY / executemany.
BULK_ROWS = 200
#: How far back the embedded mode's start-up sweep looks for events a consumer never finished
#: (`unfinished_deliveries`); retention (berjasa/retention.py) never prunes sooner than this.
REDELIVERY_WINDOW = timedelta(days=30)


# ------------------------------------------------------------------------------------------------ writing
def emit(
    session: Session, event_type: str, *, case_type: str | None = None, case_id: int | None = None,
    case_version: int | None = None, payload: dict[str, Any] | None = None, plain: bool = False,
) -> str:
    """Add an event to the open unit of work (published only if it commits); return its event id.

    `plain` promises the payload holds only JSON types already (a bulk caller skipping the round trip)."""
    buffer = session.info.get(BUFFER)
    if buffer is None:
        raise RuntimeError("emit() belongs inside a unit of work (berjasa.transaction.unit_of_work)")
    payload = payload or {}
    event = Event(uuid.uuid4().hex, event_type, case_type, case_id, case_version,
                  payload if plain else plain_json(payload), utcnow())
    buffer.append(event.row())
    return event.event_id


def open_buffer(session: Session) -> None:
    if BUFFER in session.info:
        raise RuntimeError("a unit of work is already open on this session")
    session.info[BUFFER] = []


def write_buffer(session: Session) -> int:
    """Write the buffered events in one statement (the caller commits next); return how many."""
    rows = session.info.get(BUFFER) or []
    if len(rows) > BULK_ROWS:
        bulk_insert(session, OutboxEvent.__table__, rows)
    elif rows:
        session.execute(INSERT, rows[0] if len(rows) == 1 else rows)
    return len(rows)


def close_buffer(session: Session) -> None:
    session.info.pop(BUFFER, None)


def plain_json(value: Any) -> Any:
    """The value as it will read back from a JSON column (dates as ISO strings, tuples as lists)."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# ------------------------------------------------------------------------------------------------ waking the relay
#: Set after a commit that wrote events; the embedded relay thread waits on it.
wakeup = threading.Event()
EXTENSION = "berjasa.outbox_nudge"


def init_app(app: Flask) -> None:
    """How this app wakes relays after a commit: over Redis in production (they run in the scheduler
    processes), the in-process event in the embedded mode."""
    if app.config["BROKER_URL"]:
        # at most one nudge per half gather window per process (see RedisNudge)
        interval = app.config["RELAY_GATHER_MS"] / 2000
        app.extensions[EXTENSION] = RedisNudge(app.config["BROKER_URL"], nudge_key(app.config["BROKER_NAMESPACE"]),
                                               min_interval=interval)
    else:
        app.extensions[EXTENSION] = wakeup.set


def wake() -> None:
    """Wake the relays; called by unit_of_work after a commit that wrote events. A lost nudge only costs
    latency: the relays also poll."""
    nudge: Callable[[], None] = current_app.extensions.get(EXTENSION, wakeup.set) if has_app_context() \
        else wakeup.set
    try:
        nudge()
    except Exception:  # noqa: BLE001 - a nudge must never fail a committed request
        log.warning("outbox nudge failed", exc_info=True)


class RedisNudge:
    """Wakes relays in other processes: they BLPOP this key. The list is trimmed to one element.

    A process nudges at most once per `min_interval` seconds: a relay woken by a nudge waits its gather
    time (longer than `min_interval`) before it reads, so the commits that skipped their own nudge are in
    that read, or the nudge is still in the list and wakes the relay again."""

    def __init__(self, url: str, key: str, min_interval: float = 0.0) -> None:
        from redis import Redis

        self.key = key
        self.min_interval = min_interval
        self.last = -1e9
        self.client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self.last < self.min_interval:
            return
        pipe = self.client.pipeline(transaction=False)
        pipe.lpush(self.key, 1)
        pipe.ltrim(self.key, 0, 0)
        pipe.execute()
        self.last = now  # only a nudge that went through covers the commits after it


def nudge_key(namespace: str) -> str:
    return f"{namespace}:outbox-nudge"


# ------------------------------------------------------------------------------------------------ the relay's queries
#: Rows as the relay reads them: `id` and the event's fields as attributes (Event.of(row) is the event).
Rows = list[sa.Row]


def take_locked(session: Session, limit: int) -> Rows:
    """PostgreSQL: the oldest unpublished rows, locked for this transaction; other relays skip them."""
    return session.execute(
        sa.select(*COLUMNS).where(OutboxEvent.published_at.is_(None)).order_by(OutboxEvent.id)
        .limit(limit).with_for_update(skip_locked=True)
    ).all()


def take_leased(session: Session, limit: int, owner: str, lease: timedelta = LEASE) -> Rows:
    """SQLite: the oldest unpublished rows nobody holds a live lease on, leased to `owner` for `lease`."""
    now = utcnow()
    rows = session.execute(
        sa.select(*COLUMNS)
        .where(OutboxEvent.published_at.is_(None),
               sa.or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now))
        .order_by(OutboxEvent.id).limit(limit)
    ).all()
    if rows:
        session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                        .values(lease_owner=owner, lease_until=now + lease))
    return rows


def mark_published(session: Session, ids: list[int], owner: str | None = None) -> None:
    """Mark rows published (with `owner`: only those its lease still holds)."""
    if not ids:
        return
    query = sa.update(OutboxEvent).where(OutboxEvent.id.in_(ids))
    if owner is not None:
        query = query.where(OutboxEvent.lease_owner == owner)
    session.execute(query.values(published_at=utcnow()))


def unfinished_deliveries(
    session: Session, consumers: Mapping[str, Iterable[str]], *, since: timedelta, limit: int = 10_000
) -> list[tuple[sa.Row, str]]:
    """Published events that a subscribed consumer never recorded as processed (for the embedded restart)."""
    pending: list[tuple[sa.Row, str]] = []
    for consumer, patterns in consumers.items():
        done = sa.exists().where(ProcessedMessage.consumer == consumer,
                                 ProcessedMessage.message_id == OutboxEvent.event_id)
        rows = session.execute(
            sa.select(*COLUMNS)
            .where(OutboxEvent.published_at.is_not(None), OutboxEvent.created_at >= utcnow() - since,
                   type_filter(patterns), ~done)
            .order_by(OutboxEvent.id).limit(limit)
        )
        pending.extend((row, consumer) for row in rows)
    return pending
