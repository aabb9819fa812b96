"""Building blocks of the cross-check tests: BPJS files written out line by line, imports as the CLI runs them,
the event path driven in-process (the consumers' own functions, no broker threads), and the queue read back."""

from __future__ import annotations

import io

import sqlalchemy as sa

from berjasa.auth.service import Actor
from berjasa.db import db, utcnow
from berjasa.discrepancies.models import Discrepancy
from berjasa.events.contract import Event
from berjasa.events.models import OutboxEvent
from berjasa.events.outbox import COLUMNS
from berjasa.events.subscriptions import consumers_for
from berjasa.imports import engine
from workflows.roles import Role

HEADER = "nik,kpj_number,name,birth_date,programmes,status,coverage_start,paid_until,arrears_months,payer\n"
IMPORTER = Actor(None, "bpjs-import", Role.SYSTEM, None, None, None)


def bpjs_file(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def import_file(app, content: bytes, kind: str = "bpjs", name: str = "bpjs.csv"):
    """Import a file now, as `berjasa import` does, and run the checks after it (as the CLI and the consumer do);
    the same BPJS file as the newest imported is that batch again, and the checks run again."""
    from berjasa.checks.service import after_import_finished

    with app.app_context(), db.new_session() as session:
        batch = engine.start(session=session, kind=kind, requested_by="bpjs-import", filename=name,
                             file=io.BytesIO(content), background=False)
        again = batch.status == "done"
        batch = engine.run(session=session, batch_id=batch.id, actor=IMPORTER)
        runs = after_import_finished(session, batch.id, kind, app.config, again=again)
    return batch, {run.check: run for run in runs}


def run_all(app, names=()):
    from berjasa.checks.runner import run_checks
    from workflows.checks import CHECKS

    with app.app_context(), db.new_session() as session:
        runs = run_checks(session, [c for c in CHECKS if not names or c.name in names], trigger="manual",
                          config=app.config)
    return {run.check: run for run in runs}


def found(app, *states) -> set[tuple[str, str, str]]:
    """(check, subject type, subject key) of the discrepancies (in these states, if given)."""
    with app.app_context(), db.new_session() as session, session.begin():
        query = sa.select(Discrepancy.check, Discrepancy.subject_type, Discrepancy.subject_key)
        if states:
            query = query.where(Discrepancy.state.in_(states))
        return {tuple(row) for row in session.execute(query)}


def states(app) -> dict[tuple[str, str], str]:
    with app.app_context(), db.new_session() as session, session.begin():
        return {(d.check, d.subject_key): d.state.value for d in session.scalars(sa.select(Discrepancy))}


def pump(app, rounds: int = 10, consumers=("checks", "notifications")) -> list[str]:
    """Hand every unpublished event to these consumers, as the relay and the workers would, until none is left."""
    from workers.actors import run_checks
    from workers.consumer import handle_batch, handle_each
    from workers.notifications import notify_events

    handlers = {"checks": lambda events: handle_each("checks", run_checks, events, batch=True),
                "notifications": lambda events: handle_batch("notifications", notify_events, events, batch=True,
                                                             ordered=False)}
    handled = []
    for _ in range(rounds):
        with app.app_context(), db.new_session() as session, session.begin():
            rows = session.execute(sa.select(*COLUMNS).where(OutboxEvent.published_at.is_(None))
                                   .order_by(OutboxEvent.id)).all()
            session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                            .values(published_at=utcnow()))
        if not rows:
            return handled
        events = [Event.of(row) for row in rows]
        handled += [e.event_type for e in events]
        for name in consumers:
            mine = [e for e in events if name in consumers_for(e.event_type)]
            if mine:
                handlers[name](mine)
    raise AssertionError("the outbox did not run dry")


def tick(app, now):
    """The scheduler's tick at `now`: due timers, SLA clocks, the nightly request."""
    from berjasa.checks.service import request_nightly
    from berjasa.events.service import claim_due_timers
    from berjasa.sla.service import tick as sla_tick
    from berjasa.transaction import unit_of_work

    with app.app_context(), db.new_session() as session:
        with unit_of_work(session):
            claim_due_timers(session, now=now)
        sla_tick(session=session, now=now)
        request_nightly(session, app.config, now=now)
