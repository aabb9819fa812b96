"""The consumer decorator: a Dramatiq actor that handles each event once and never goes backwards.

In one transaction it records (consumer, event id) with INSERT ... ON CONFLICT DO NOTHING RETURNING
(a second delivery stops there), advances the consumer's cursor for the case (an event older than
one already applied stops there), and runs the handler. A crash anywhere rolls all three back, so
the redelivered message is handled as if for the first time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dramatiq
from sqlalchemy.orm import Session

from workers import broker as _broker  # noqa: F401  (the broker must exist before any actor)
from workers.app import get_app

log = logging.getLogger("berjasa.consumer")


@dataclass(frozen=True)
class EventMessage:
    event_id: str
    event_type: str
    case_type: str | None
    case_id: int | None
    case_version: int | None
    payload: dict[str, Any]
    created_at: str

    @property
    def at(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


Handler = Callable[[Session, EventMessage], None]


def consumer(
    name: str, *, queue: str = "events", max_retries: int = 10, time_limit: int = 60_000,
    throws: tuple[type[BaseException], ...] = (), min_backoff: int = 500, max_backoff: int = 60_000,
) -> Callable[[Handler], dramatiq.Actor]:
    """Make `handler(session, event)` an idempotent actor named `name`; `throws` are not retried."""

    def decorator(handler: Handler) -> dramatiq.Actor:
        def run(message: dict[str, Any]) -> None:
            handle(name, handler, EventMessage(**message), throws)

        run.__name__ = name
        return dramatiq.actor(
            run, actor_name=name, queue_name=queue, max_retries=max_retries, time_limit=time_limit,
            throws=throws, min_backoff=min_backoff, max_backoff=max_backoff,
        )

    return decorator


def handle(name: str, handler: Handler, event: EventMessage, throws: tuple[type[BaseException], ...] = ()) -> str:
    """Run one delivery; returns what happened: done, duplicate, stale or failed."""
    from berjasa.db import db, unit_of_work
    from berjasa.events.service import advance_cursor, claim_message

    with get_app().app_context(), db.new_session() as session:
        try:
            with unit_of_work(session):
                if not claim_message(session, consumer=name, message_id=event.event_id):
                    log.info("%s: duplicate delivery of event %s ignored", name, event.event_id)
                    return "duplicate"
                if event.case_id is not None and event.case_version is not None and not advance_cursor(
                    session, consumer=name, case_type=event.case_type, case_id=event.case_id,
                    version=event.case_version,
                ):
                    log.info("%s: event %s is older than %s %s's applied version", name, event.event_id,
                             event.case_type, event.case_id)
                    return "stale"
                handler(session, event)
                return "done"
        except throws:
            # Refused for good: remember it, so a restart does not hand it over again; Dramatiq won't retry.
            with unit_of_work(session):
                claim_message(session, consumer=name, message_id=event.event_id, outcome="failed")
            log.exception("%s refused event %s (%s)", name, event.event_id, event.event_type)
            raise
