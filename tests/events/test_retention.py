"""Retention: what the event path no longer needs is pruned after RETENTION_DAYS, in batches, and nothing that
exactly-once effects need is pruned early (time moved with time-machine)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import dramatiq
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from berjasa.config import ConfigError
from berjasa.db import db, utcnow
from berjasa.events.contract import Event
from berjasa.events.models import CaseActivity, OutboxEvent, ProcessedMessage, Timer
from berjasa.events.outbox import COLUMNS, REDELIVERY_WINDOW, emit, unfinished_deliveries
from berjasa.events.service import claim_due_timers
from berjasa.events.subscriptions import SUBSCRIPTIONS
from berjasa.notifications.models import Delivery, DeliveryAttempt
from berjasa.retention import prune
from berjasa.transaction import unit_of_work
from tests.conftest import make_app
from tests.sla.conftest import wita
from workers import actors, embedded
from workers.consumer import handle_batch

T0 = wita(2026, 1, 5, 9, 0)


def emit_events(app, count: int, case_id: int = 1) -> list[str]:
    with app.app_context(), db.new_session() as session, unit_of_work(session):
        return [emit(session, "bench.event", case_type="bench", case_id=case_id * 1000 + i, case_version=1)
                for i in range(count)]


def deliver(app, *, mark: bool = True) -> list[str]:
    """The relay's part (mark the unpublished rows published; `mark=False`: a relay that died between sending and
    marking) and the case_activity consumer's, as the actors run it."""
    with app.app_context(), db.new_session() as session, session.begin():
        rows = session.execute(sa.select(*COLUMNS).where(OutboxEvent.published_at.is_(None))
                               .order_by(OutboxEvent.id)).all()
        if mark:
            session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                            .values(published_at=utcnow()))
    with app.app_context():
        return handle_batch("case_activity", actors.record_case_activity, [Event.of(r) for r in rows], batch=True)


def counts(app) -> dict[str, int]:
    tables = {"outbox": OutboxEvent, "processed": ProcessedMessage, "timers": Timer, "deliveries": Delivery,
              "attempts": DeliveryAttempt}
    with app.app_context(), db.new_session() as session, session.begin():
        return {name: session.scalar(sa.select(sa.func.count()).select_from(model)) for name, model in tables.items()}


def run_prune(app, **kwargs) -> dict[str, int]:
    with app.app_context(), db.new_session() as session:
        return prune(session, app.config, **kwargs)


def add_deliveries(app) -> None:
    """One delivered, one failed for good (two attempts), one still pending: all made now."""
    now = utcnow()
    with app.app_context(), db.new_session() as session, unit_of_work(session):
        for key, status in (("d1", "delivered"), ("d2", "failed"), ("d3", "pending")):
            session.add(Delivery(channel="webhook", key=key, msg_id=f"msg_{key}", event_type="claim.verify", body={},
                                 status=status, attempts=2, created_at=now,
                                 next_attempt_at=now + timedelta(days=90) if status == "pending" else None,
                                 delivered_at=now if status == "delivered" else None))
        session.flush()
        for delivery in session.scalars(sa.select(Delivery)):
            session.add_all([DeliveryAttempt(delivery_id=delivery.id, attempt=n, at=now, status_code=500)
                             for n in (1, 2)])


def add_timers(app, due: datetime, count: int = 2) -> None:
    with app.app_context(), db.new_session() as session, unit_of_work(session):
        session.add_all([Timer(kind="bench", due_at=due, payload={"n": n}) for n in range(count)])


def fire_timers(app, now: datetime) -> None:
    with app.app_context(), db.new_session() as session, unit_of_work(session):
        claim_due_timers(session, now=now)


def test_rows_go_once_past_the_retention_and_never_before(any_app, travel):
    travel(T0)
    emit_events(any_app, 5)
    assert deliver(any_app) == ["done"] * 5
    add_deliveries(any_app)
    add_timers(any_app, T0 + timedelta(hours=1))
    travel(T0 + timedelta(hours=2))
    fire_timers(any_app, T0 + timedelta(hours=2))  # two timer.due events
    assert deliver(any_app) == ["done"] * 2
    emit_events(any_app, 1, case_id=2)  # never published: the relay is away
    assert counts(any_app) == {"outbox": 8, "processed": 7, "timers": 2, "deliveries": 3, "attempts": 6}

    travel(T0 + timedelta(days=29, hours=23))
    assert run_prune(any_app) == {"outbox": 0, "processed_messages": 0, "timers": 0, "deliveries": 0}

    travel(T0 + timedelta(days=30, hours=1))  # the cut-off is T0 + 1 h: what was made at T0 goes
    assert run_prune(any_app) == {"outbox": 5, "processed_messages": 5, "timers": 0, "deliveries": 2}
    assert counts(any_app) == {"outbox": 3, "processed": 2, "timers": 2, "deliveries": 1, "attempts": 2}

    travel(T0 + timedelta(days=30, hours=3))  # and now what was made and fired at T0 + 2 h
    assert run_prune(any_app) == {"outbox": 2, "processed_messages": 2, "timers": 2, "deliveries": 0}
    travel(T0 + timedelta(days=400))
    assert run_prune(any_app) == {"outbox": 0, "processed_messages": 0, "timers": 0, "deliveries": 0}
    # the unpublished event and the pending delivery stay, however old
    assert counts(any_app) == {"outbox": 1, "processed": 0, "timers": 0, "deliveries": 1, "attempts": 2}
    with any_app.app_context(), db.new_session() as session, session.begin():
        assert session.scalar(sa.select(OutboxEvent.event_type)) == "bench.event"
        assert session.scalar(sa.select(Delivery.key)) == "d3"


def test_a_record_is_kept_while_its_event_waits_to_be_sent_again(any_app, travel):
    travel(T0)
    emit_events(any_app, 1)
    assert deliver(any_app, mark=False) == ["done"]  # handled, but the relay died before marking it
    travel(T0 + timedelta(days=45))
    assert run_prune(any_app) == {"outbox": 0, "processed_messages": 0, "timers": 0, "deliveries": 0}
    assert deliver(any_app) == ["duplicate"]  # the relay sends it again: the record makes it a no-op
    with any_app.app_context(), db.new_session() as session, session.begin():
        assert session.scalar(sa.select(CaseActivity.events_handled)) == 1
    travel(T0 + timedelta(days=90))
    assert run_prune(any_app) == {"outbox": 1, "processed_messages": 1, "timers": 0, "deliveries": 0}


def test_the_embedded_start_up_sweep_after_pruning_applies_nothing_twice(any_app, travel):
    travel(T0)
    emit_events(any_app, 3)
    deliver(any_app)
    travel(T0 + timedelta(days=20))
    lost = emit_events(any_app, 1, case_id=2)
    with any_app.app_context(), db.new_session() as session, unit_of_work(session):  # published, then the process died
        session.execute(sa.update(OutboxEvent).values(published_at=utcnow()).where(OutboxEvent.event_id == lost[0]))
    travel(T0 + timedelta(days=31))
    assert run_prune(any_app)["processed_messages"] == 3
    with any_app.app_context(), db.new_session() as session, session.begin():
        pending = unfinished_deliveries(session, SUBSCRIPTIONS, since=REDELIVERY_WINDOW)
    assert [(row.event_id, consumer) for row, consumer in pending] == [(lost[0], "case_activity")]
    try:
        assert embedded.redeliver_unfinished(any_app) == 1
    finally:
        dramatiq.get_broker().flush_all()


def test_batches_are_small_and_a_call_does_bounded_work(any_app, travel):
    any_app.config["RETENTION_BATCH"] = 10
    travel(T0)
    emit_events(any_app, 35)
    deliver(any_app)
    travel(T0 + timedelta(days=31))
    assert run_prune(any_app, max_batches=2) == {"outbox": 20, "processed_messages": 20, "timers": 0,
                                                 "deliveries": 0}
    assert run_prune(any_app) == {"outbox": 15, "processed_messages": 15, "timers": 0, "deliveries": 0}
    assert counts(any_app)["outbox"] == 0


def test_the_tick_prunes_and_counts_it(any_app, travel):
    before = REGISTRY.get_sample_value("berjasa_retention_pruned_total", {"table": "outbox"}) or 0
    travel(T0)
    emit_events(any_app, 4)
    deliver(any_app)
    travel(T0 + timedelta(days=31))
    actors.tick.fn()
    # what is left in the outbox is the tick's own request for the nightly checks (09:00 WITA, after the hour)
    assert counts(any_app)["outbox"] == 1 and counts(any_app)["processed"] == 0
    assert REGISTRY.get_sample_value("berjasa_retention_pruned_total", {"table": "outbox"}) - before == 4


def test_a_retention_shorter_than_the_redelivery_window_is_refused(tmp_path):
    with pytest.raises(ConfigError) as refused:
        make_app(tmp_path, f"sqlite:///{tmp_path}/r.db", RETENTION_DAYS="7")
    assert str(refused.value) == (
        "BERJASA_RETENTION_DAYS must be at least 30, not 7: the embedded mode hands the unfinished events of the last "
        "30 days to their consumers again at start, and their processed-message records must still be there then")
    assert make_app(tmp_path, f"sqlite:///{tmp_path}/r.db", RETENTION_DAYS="30").config["RETENTION_DAYS"] == 30


@pytest.mark.postgres
def test_pruning_skips_rows_another_transaction_holds_and_waits_for_none(pg_app, travel):
    travel(T0)
    emit_events(pg_app, 3)
    deliver(pg_app)
    travel(T0 + timedelta(days=31))
    with pg_app.app_context():
        engine = db.engine
    with engine.connect() as holder:
        held = holder.execute(sa.text("SELECT id FROM outbox ORDER BY id LIMIT 1 FOR UPDATE")).scalar_one()
        result = {}
        pruning = threading.Thread(target=lambda: result.update(run_prune(pg_app)))
        pruning.start()
        pruning.join(timeout=20)
        assert not pruning.is_alive(), "the prune waited on a row lock"
        assert result["outbox"] == 2
        holder.rollback()
    assert run_prune(pg_app)["outbox"] == 1
    with pg_app.app_context(), db.new_session() as session, session.begin():
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent).where(OutboxEvent.id == held)) == 0


def test_berjasa_prune_does_it_now(any_app, travel):
    from workers.cli import cli

    travel(T0)
    emit_events(any_app, 3)
    deliver(any_app)
    travel(T0 + timedelta(days=31))
    result = any_app.test_cli_runner().invoke(cli, args=["prune"])
    assert (result.exit_code, result.output) == (
        0, "pruned: 3 outbox, 3 processed_messages, 0 timers, 0 deliveries\n")
