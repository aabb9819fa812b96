"""The actors. Thin: take ids, push an app context, call one service function."""

from __future__ import annotations

import logging
import os
import socket

import dramatiq

from workers import broker as _broker  # noqa: F401  (the broker must exist before any actor)
from workers.app import get_app

log = logging.getLogger("berjasa.workers")


@dramatiq.actor(queue_name="default", max_retries=5, time_limit=30_000, min_backoff=500)
def ping(nonce: str) -> None:
    """Record that a ping went through the broker to a worker (`berjasa ping` waits for it)."""
    from berjasa.db import db
    from berjasa.system.service import record_ping

    with get_app().app_context(), db.new_session() as session:
        record_ping(session=session, nonce=nonce, handled_by=f"{socket.gethostname()}:{os.getpid()}")


@dramatiq.actor(queue_name="scheduler", max_retries=0, time_limit=60_000)
def tick() -> None:
    """The scheduler's heartbeat. Timers (SLA clocks, reminders) are claimed here once they exist."""
    log.debug("tick")
