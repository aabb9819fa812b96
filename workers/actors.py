"""The actors. Thin: take ids, push an app context, call one service function."""

from __future__ import annotations

import logging
import os
import socket

import dramatiq
from sqlalchemy.orm import Session

from berjasa import metrics
from berjasa.events.contract import Event
from berjasa.retention import prune
from workers import broker as _broker  # noqa: F401  (the broker must exist before any actor)
from workers.app import get_app
from workers.consumer import consumer
from workers.notifications import send_due

log = logging.getLogger("berjasa.workers")


@dramatiq.actor(queue_name="default", max_retries=5, time_limit=30_000, min_backoff=500)
def ping(nonce: str) -> None:
    """Record that a ping went through the broker to a worker (`berjasa ping` waits for it)."""
    from berjasa.db import db
    from berjasa.system.service import record_ping

    with get_app().app_context(), db.new_session() as session:
        record_ping(session=session, nonce=nonce, handled_by=f"{socket.gethostname()}:{os.getpid()}")


def record_pong(session: Session, event: Event) -> None:
    """A ping that came through the outbox (`berjasa ping` in the embedded mode): record it like `ping`."""
    from berjasa.system.service import record_ping

    record_ping(session=session, nonce=event.payload["nonce"], handled_by=f"{socket.gethostname()}:{os.getpid()}")


pong = consumer("pong", queue="default", transactional=False, max_retries=5)(record_pong)


@dramatiq.actor(queue_name="scheduler", max_retries=0, time_limit=120_000)
def tick() -> None:
    """The scheduler's heartbeat: the timers and the SLA clocks that fell due (each once, even with two
    schedulers: rows are claimed with SKIP LOCKED), the deliveries due again, the nightly cross-checks and
    retention's pruning."""
    from berjasa.checks.service import request_nightly
    from berjasa.db import db
    from berjasa.events.service import claim_due_timers
    from berjasa.sla.service import tick as sla_tick
    from berjasa.transaction import unit_of_work

    app = get_app()
    with metrics.TICK_SECONDS.time():
        with app.app_context(), db.new_session() as session:
            with unit_of_work(session):
                fired = claim_due_timers(session)
            clocks = sla_tick(session=session, batch=app.config["TICK_BATCH"])
        handed = send_due(app)
        with app.app_context(), db.new_session() as session:
            request_nightly(session, app.config)
        with app.app_context(), db.new_session() as session:
            pruned = prune(session, app.config)  # the rows only the event path needed, past the retention
    metrics.ticked(timers=len(fired), warned=clocks.warned, breached=clocks.breached, escalated=clocks.escalated,
                   deliveries=handed, pruned=pruned)
    if fired or clocks.clocks:
        log.info("tick: %d timer(s) due; clocks: %d warned, %d breached, %d escalated", len(fired), clocks.warned,
                 clocks.breached, clocks.escalated)
    if any(pruned.values()):
        log.info("retention: pruned %s", ", ".join(f"{n} {table}" for table, n in pruned.items() if n))


def record_case_activity(session: Session, events: list[Event]) -> None:
    """Keep the per-case activity read model (events handled, last event and when)."""
    from berjasa.events.service import record_activity

    record_activity(session, [(e.case_type, e.case_id, e.case_version or 0, e.event_type, e.at)
                              for e in events if e.case_id is not None])


case_activity = consumer("case_activity", batch=True)(record_case_activity)


def refresh_reports(session: Session, events: list[Event]) -> None:
    """Keep the reports' read models (SLA scorecards, claims, enrolments, coverage) for the cases of the events."""
    from berjasa.reports.projections import refresh_for

    refresh_for(session, events)


# each refresh reads the case as it is now: no per-case cursor is needed
reports = consumer("reports", batch=True, ordered=False)(refresh_reports)


def run_dtsen_import(session: Session, event: Event) -> None:
    """Import an uploaded DTSEN file (it commits chunk by chunk and resumes after a crash)."""
    from berjasa.auth.service import actor_for
    from berjasa.enrolment.imports import get_batch, run_import

    batch_id = event.payload["batch_id"]
    requested_by = get_batch(session=session, batch_id=batch_id).requested_by
    run_import(session=session, batch_id=batch_id, actor=actor_for(session=session, username=requested_by))


dtsen_import = consumer("dtsen_import", queue="imports", transactional=False, time_limit=3_600_000,
                        max_retries=3)(run_dtsen_import)


def run_checks(session: Session, events: list[Event]) -> None:
    """The cross-checks: scoped runs on what the events are about, full runs after imports and on request (each
    check's run commits on its own; a redelivered batch finds nothing new to open)."""
    from berjasa.checks.service import handle_events

    handle_events(session, events, get_app().config)


checks = consumer("checks", queue="checks", batch=True, transactional=False, time_limit=3_600_000,
                  max_retries=5)(run_checks)


def run_audit_verification(session: Session, event: Event) -> None:
    """Run a requested audit check (it commits its own progress; a rerun after a crash starts over)."""
    from berjasa.audit.service import run_verification

    run_verification(session=session, verification_id=event.payload["verification_id"])


audit_verification = consumer("audit_verification", queue="audit", transactional=False, time_limit=3_600_000,
                              max_retries=3)(run_audit_verification)
