"""Writing domain events to the outbox inside the caller's transaction, and the after-commit nudge."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from berjasa.db import bulk_insert, utcnow
from berjasa.events.models import OutboxEvent

log = logging.getLogger("berjasa.outbox")
PENDING = "berjasa.outbox_pending"
ROWS = "berjasa.outbox_rows"

#: Set after a commit that wrote outbox rows; the embedded relay thread waits on it.
wakeup = threading.Event()
_listeners: dict[str, Callable[[], None]] = {"embedded": wakeup.set}


def emit(
    session: Session, event_type: str, *, case_type: str | None = None, case_id: int | None = None,
    case_version: int | None = None, payload: dict[str, Any] | None = None, plain: bool = False,
) -> str:
    """Add an outbox row to the current transaction (published only if it commits); return its event id.

    The rows are written together just before the commit: one INSERT per transaction, no ORM objects.
    `plain` promises the payload holds only JSON types already (a bulk caller skipping the round trip)."""
    if not session.in_transaction():
        raise RuntimeError("emit() belongs inside a unit of work")
    event_id = uuid.uuid4().hex
    session.info.setdefault(ROWS, []).append({
        "event_id": event_id, "event_type": event_type, "case_type": case_type, "case_id": case_id,
        "case_version": case_version, "payload": (payload or {}) if plain else plain_json(payload or {}),
        "created_at": utcnow(),
    })
    session.info[PENDING] = True
    return event_id


@event.listens_for(Session, "before_commit")
def _write_rows(session: Session) -> None:
    """All the transaction's outbox rows in one INSERT, just before it commits."""
    rows = session.info.pop(ROWS, None)
    if rows and len(rows) > 200:
        bulk_insert(session, OutboxEvent.__table__, rows)  # an import's thousands of events
    elif rows:
        session.execute(OutboxEvent.__table__.insert(), rows)


@event.listens_for(Session, "after_rollback")
def _drop_rows(session: Session) -> None:
    session.info.pop(ROWS, None)
    session.info.pop(PENDING, None)


def plain_json(value: Any) -> Any:
    """The value as it will read back from a JSON column (dates as ISO strings, tuples as lists)."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def set_listener(name: str, listener: Callable[[], None] | None) -> None:
    """Call `listener` after every commit that wrote outbox rows (e.g. to wake a relay over Redis)."""
    if listener is None:
        _listeners.pop(name, None)
    else:
        _listeners[name] = listener


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


def after_commit(session: Session) -> None:
    """Called by unit_of_work after its commit; a lost nudge only costs latency (the relay also polls)."""
    if not session.info.pop(PENDING, False):
        return
    for listener in list(_listeners.values()):
        try:
            listener()
        except Exception:  # noqa: BLE001 - a nudge must never fail a committed request
            log.warning("outbox nudge failed", exc_info=True)
