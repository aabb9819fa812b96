"""The consumer decorator: a Dramatiq actor that applies each event once and never goes backwards.

The relay sends each consumer its events in small batches (one Dramatiq message per batch; a case's
events stay together and in order). In one transaction per batch the consumer records every
(consumer, event id) with one INSERT ... ON CONFLICT DO NOTHING RETURNING (ids already there are
duplicates and are skipped), advances its cursor for each case (an event older than one already
applied is skipped), and runs the handler on the rest. A crash anywhere rolls the whole batch back,
so the redelivered message is handled as if for the first time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import dramatiq
from sqlalchemy.orm import Session

from berjasa import metrics
from berjasa.events.contract import Event
from workers import broker as _broker  # noqa: F401  (the broker must exist before any actor)
from workers.app import get_app

log = logging.getLogger("berjasa.consumer")


#: What a consumer is handed: the event as berjasa.events.contract defines it.
EventMessage = Event

Handler = Callable[[Session, EventMessage], None]
BatchHandler = Callable[[Session, list[EventMessage]], None]
Throws = tuple[type[BaseException], ...]


def consumer(
    name: str, *, queue: str = "events", max_retries: int = 10, time_limit: int = 60_000, throws: Throws = (),
    batch: bool = False, transactional: bool = True, min_backoff: int = 500, max_backoff: int = 60_000,
    ordered: bool = True,
) -> Callable[[Handler | BatchHandler], dramatiq.Actor]:
    """Make `handler(session, event)` (or, with batch=True, `handler(session, events)`) an idempotent
    actor named `name`.

    An exception in `throws` refuses that one event for good (recorded as failed, the rest of the
    batch goes on); any other exception fails the batch, which Dramatiq retries with backoff.
    `ordered=False`: every event is applied however late it comes (a consumer that tells of each event,
    not one that keeps a case's latest state), so no per-case cursor is kept."""
    if batch and throws:
        raise ValueError("a batch handler cannot refuse single events; use a per-event handler with throws")

    def decorator(handler: Handler | BatchHandler) -> dramatiq.Actor:
        def run(events: list[dict[str, Any]]) -> None:
            messages = [Event.from_message(e) for e in events]
            with metrics.consuming(name):
                if transactional:
                    outcomes = handle_batch(name, handler, messages, throws, batch=batch, ordered=ordered)
                else:
                    outcomes = handle_each(name, handler, messages, batch=batch)
            metrics.consumed(name, outcomes)

        run.__name__ = name
        return dramatiq.actor(
            run, actor_name=name, queue_name=queue, max_retries=max_retries, time_limit=time_limit,
            min_backoff=min_backoff, max_backoff=max_backoff,
        )

    return decorator


def handle_batch(
    name: str, handler: Handler | BatchHandler, events: Sequence[EventMessage], throws: Throws = (),
    *, batch: bool = False, ordered: bool = True,
) -> list[str]:
    """Apply a batch in one transaction; return each event's outcome: done, duplicate, stale or failed."""
    from berjasa.db import db
    from berjasa.events.service import advance_cursors, claim_messages
    from berjasa.transaction import unit_of_work

    with get_app().app_context(), db.new_session() as session, unit_of_work(session):
        fresh = claim_messages(session, consumer=name, message_ids=[e.event_id for e in events])
        outcomes: list[str] = []
        todo: list[int] = []
        for index, event in enumerate(events):
            if event.event_id in fresh:
                fresh.discard(event.event_id)  # the same id twice in one batch: the second is a duplicate
                todo.append(index)
                outcomes.append("done")
            else:
                log.info("%s: duplicate delivery of event %s ignored", name, event.event_id)
                outcomes.append("duplicate")
        with_case = [i for i in todo if ordered and events[i].case_id is not None
                     and events[i].case_version is not None]
        verdicts = advance_cursors(session, consumer=name, events=[
            (events[i].case_type, events[i].case_id, events[i].case_version) for i in with_case])
        for index, newer in zip(with_case, verdicts, strict=True):
            if not newer:
                log.info("%s: event %s is older than the version already applied", name, events[index].event_id)
                outcomes[index] = "stale"
        apply = [i for i in todo if outcomes[i] == "done"]
        if batch:
            handler(session, [events[i] for i in apply])
        else:
            for index in apply:
                outcomes[index] = _apply(session, name, handler, events[index], throws)
        return outcomes


def handle_each(name: str, handler: Handler | BatchHandler, events: Sequence[EventMessage], *,
                batch: bool = False) -> list[str]:
    """Run a self-committing, idempotent handler per event (with batch=True once on the batch's new events), then
    record the events as processed."""
    import sqlalchemy as sa

    from berjasa.db import db
    from berjasa.events.models import ProcessedMessage
    from berjasa.events.service import claim_messages
    from berjasa.transaction import unit_of_work

    outcomes = []
    with get_app().app_context(), db.new_session() as session:
        with session.begin():
            seen = set(session.scalars(sa.select(ProcessedMessage.message_id).where(
                ProcessedMessage.consumer == name, ProcessedMessage.message_id.in_([e.event_id for e in events]))))
        fresh = [event for event in events if event.event_id not in seen]
        if batch and fresh:
            handler(session, fresh)
        for event in events:
            if event.event_id in seen:
                outcomes.append("duplicate")
                continue
            if not batch:
                handler(session, event)
            with unit_of_work(session):
                claim_messages(session, consumer=name, message_ids=[event.event_id])
            outcomes.append("done")
    return outcomes


def _apply(session: Session, name: str, handler: Handler, event: EventMessage, throws: Throws) -> str:
    from berjasa.events.service import mark_failed

    if not throws:
        handler(session, event)
        return "done"
    try:
        with session.begin_nested():  # a savepoint, so one refused event leaves the others applied
            handler(session, event)
    except throws:
        mark_failed(session, consumer=name, message_id=event.event_id)
        log.exception("%s refused event %s (%s) for good", name, event.event_id, event.event_type)
        return "failed"
    return "done"


def handle(name: str, handler: Handler, event: EventMessage, throws: Throws = ()) -> str:
    """Apply one event (a batch of one)."""
    return handle_batch(name, handler, [event], throws)[0]
