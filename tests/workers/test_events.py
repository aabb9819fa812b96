"""Relay and consumers in-process (stub broker, worker threads), on SQLite and PostgreSQL."""

import contextlib
import threading
import uuid
from collections import Counter
from datetime import timedelta

import dramatiq
import pytest
import sqlalchemy as sa

from berjasa.db import db, utcnow
from berjasa.events.models import CaseActivity, OutboxEvent, ProcessedMessage, Timer
from berjasa.events.service import claim_due_timers
from berjasa.transaction import unit_of_work
from tests.cases.conftest import CASEWORKER, SUPERVISOR
from tests.cases.sample import fire, open_case
from workers import embedded, relay
from workers.consumer import EventMessage, handle, handle_batch


@pytest.fixture
def runtime(engine_app):
    """One worker thread on the stub broker (so events are handled in order); the test drives the relay."""
    with running(engine_app, threads=1) as runtime:
        yield runtime


@contextlib.contextmanager
def running(app, threads):
    dramatiq.get_broker().flush_all()
    runtime = embedded.start(app, threads=threads, tick_seconds=3600, relay=False)
    try:
        yield runtime
    finally:
        runtime.stop()
        dramatiq.get_broker().flush_all()


def drain():
    broker = dramatiq.get_broker()
    broker.join("events", timeout=20_000)


def message(case_id=1, version=1, event_id=None):
    return {"event_id": event_id or uuid.uuid4().hex, "event_type": "sample.submit", "case_type": "sample",
            "case_id": case_id, "case_version": version, "payload": {}, "created_at": utcnow().isoformat()}


def activity(session):
    with session.begin():
        return {a.case_id: (a.events_handled, a.last_version, a.last_event_type)
                for a in session.scalars(sa.select(CaseActivity))}


def processed(session):
    with session.begin():
        return session.execute(sa.select(ProcessedMessage.consumer, ProcessedMessage.message_id,
                                         ProcessedMessage.outcome)).all()


def test_fifty_deliveries_of_one_message_apply_once(engine_app, session):
    from workers.actors import case_activity

    msg = message(case_id=7, version=3)
    with running(engine_app, threads=8):
        for _ in range(50):
            case_activity.send([msg])
        drain()
    assert activity(session) == {7: (1, 3, "sample.submit")}
    assert processed(session) == [("case_activity", msg["event_id"], "done")]


def test_an_event_older_than_what_was_applied_is_ignored(engine_app, session):
    from workers.actors import record_case_activity

    outcomes = [handle_batch("case_activity", record_case_activity, [EventMessage(**message(9, v))], batch=True)[0]
                for v in (3, 2, 3, 4)]
    assert outcomes == ["done", "stale", "stale", "done"]
    assert activity(session) == {9: (2, 4, "sample.submit")}


def test_a_refused_event_is_recorded_and_not_retried(engine_app, session):
    class Refused(Exception):
        pass

    def refuse(_session, _event):
        raise Refused("no such participant")

    msg = EventMessage(**message(4, 1))
    assert handle("strict", refuse, msg, (Refused,)) == "failed"
    assert processed(session) == [("strict", msg.event_id, "failed")]
    assert handle("strict", refuse, msg, (Refused,)) == "duplicate"


def test_one_refused_event_leaves_the_rest_of_its_batch_applied(engine_app, session):
    from berjasa.events.service import record_activity

    class Refused(Exception):
        pass

    def apply(session, event):
        record_activity(session, [("sample", event.case_id, 1, "x", event.at)])
        if event.case_id == 2:
            raise Refused("bad data")  # its write is rolled back to the savepoint

    first, second, third = (EventMessage(**message(i, 1)) for i in (1, 2, 3))
    outcomes = handle_batch("strict", apply, [first, second, first, third], (Refused,))
    assert outcomes == ["done", "failed", "duplicate", "done"]
    assert sorted(activity(session)) == [1, 3]
    assert sorted(o for _, _, o in processed(session)) == ["done", "done", "failed"]


def test_a_retryable_failure_rolls_the_whole_batch_back(engine_app, session):
    def flaky(session, event):
        if event.case_id == 2:
            raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError):
        handle_batch("flaky", flaky, [EventMessage(**message(i, 1)) for i in (1, 2, 3)])
    assert processed(session) == []  # Dramatiq retries the message; nothing was recorded


def make_events(session, cases=3):
    ids = []
    for _ in range(cases):
        case_id = open_case(session, CASEWORKER).id
        fire(session, case_id, CASEWORKER, "submit", 1)
        ids.append(case_id)
    return ids


def unpublished(session):
    with session.begin():
        return session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.published_at.is_(None)))


def test_the_relay_hands_every_event_to_its_consumers(runtime, session):
    ids = make_events(session)
    assert relay.relay_once(session) == 6
    assert unpublished(session) == 0
    assert relay.relay_once(session) == 0
    drain()
    # each case: created (version 1) then submit (version 2), handled in order
    assert activity(session) == {i: (2, 2, "sample.submit") for i in ids}
    assert len(processed(session)) == 6


def test_a_relay_that_dies_between_send_and_mark_sends_again(runtime, session, monkeypatch):
    ids = make_events(session)
    real_mark = relay._mark_published
    monkeypatch.setattr(relay, "LEASE", timedelta(0))
    monkeypatch.setattr(relay, "_mark_published", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        relay.relay_once(session)
    drain()
    assert unpublished(session) == 6  # sent, never marked
    monkeypatch.setattr(relay, "_mark_published", real_mark)
    sent = Counter()
    real_send = relay.send
    monkeypatch.setattr(relay, "send", lambda rows, c: (sent.update(r.event_id for r in rows), real_send(rows, c)))
    assert relay.relay_once(session) == 6
    drain()
    assert sum(sent.values()) == 6  # every event went out a second time
    assert activity(session) == {i: (2, 2, "sample.submit") for i in ids}  # and was applied once
    assert len(processed(session)) == 6


def test_several_relays_at_once_publish_each_row_once(engine_app, session, monkeypatch):
    for _ in range(40):
        open_case(session, CASEWORKER)
    sent = Counter()
    lock = threading.Lock()

    def count(rows, consumer):
        with lock:
            sent.update((row.event_id, consumer) for row in rows)

    monkeypatch.setattr(relay, "send", count)
    errors = []

    def run():
        try:
            with engine_app.app_context(), db.new_session() as own:
                while relay.relay_once(own, batch=5):
                    pass
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(sent) == 40 and set(sent.values()) == {1}
    assert unpublished(session) == 0


def test_embedded_events_pending_at_a_stop_are_handled_after_a_restart(engine_app, session):
    ids = make_events(session)
    broker = dramatiq.get_broker()
    broker.flush_all()
    assert relay.relay_once(session) == 6  # published into the in-memory broker
    broker.flush_all()  # and lost when the process stopped before a worker took them
    assert unpublished(session) == 0 and activity(session) == {}
    with running(engine_app, threads=1):
        drain()
    assert activity(session) == {i: (2, 2, "sample.submit") for i in ids}
    assert embedded.redeliver_unfinished(engine_app) == 0


def test_the_embedded_relay_thread_is_nudged_by_a_commit(engine_app, session):
    dramatiq.get_broker().flush_all()
    runtime = embedded.start(engine_app, threads=2, tick_seconds=3600)
    try:
        ids = make_events(session, cases=2)
        deadline = utcnow() + timedelta(seconds=20)
        while len(activity(session)) < 2 and utcnow() < deadline:
            threading.Event().wait(0.02)
    finally:
        runtime.stop()
    assert set(activity(session)) == set(ids)


def test_two_ticks_at_once_claim_each_due_timer_once(engine_app, session):
    now = utcnow()
    with unit_of_work(session):
        session.add_all(Timer(kind="reminder", case_type="sample", case_id=i, due_at=now - timedelta(minutes=1),
                              payload={"n": i}) for i in range(30))
        session.add(Timer(kind="reminder", due_at=now + timedelta(hours=1)))
    claimed = []

    def tick():
        with engine_app.app_context(), db.new_session() as own, unit_of_work(own):
            claimed.extend(t.id for t in claim_due_timers(own, limit=7))

    for _ in range(3):
        threads = [threading.Thread(target=tick) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(claimed) == len(set(claimed)) == 30
    with session.begin():
        due = session.scalars(sa.select(OutboxEvent).where(OutboxEvent.event_type == "timer.due")).all()
    assert sorted(e.payload["n"] for e in due) == list(range(30))


def test_older_events_delivered_late_are_ignored_by_the_read_model(runtime, session, monkeypatch):
    case_id = open_case(session, CASEWORKER).id
    fire(session, case_id, CASEWORKER, "submit", 1)
    fire(session, case_id, SUPERVISOR, "approve", 2, data={"amount": 10})
    with session.begin():
        rows = session.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.id.desc())).all()
    for row in rows:  # newest first: approve (v3), submit (v2), created (v1), one message each
        relay.send([row], "case_activity")
    drain()
    assert activity(session)[case_id] == (1, 3, "sample.approve")
    assert sorted(o for _, _, o in processed(session)) == ["done", "done", "done"]


def test_a_batch_with_several_events_of_one_case_applies_them_in_order(engine_app, session):
    from workers.actors import record_case_activity

    events = [EventMessage(**message(5, v)) for v in (1, 2, 4, 3)] + [EventMessage(**message(6, 1))]
    outcomes = handle_batch("case_activity", record_case_activity, events, batch=True)
    assert outcomes == ["done", "done", "done", "stale", "done"]
    assert activity(session) == {5: (3, 4, "sample.submit"), 6: (1, 1, "sample.submit")}


def test_batches_keep_each_case_together_and_in_order():
    from types import SimpleNamespace

    rows = [SimpleNamespace(id=i, case_type="claim", case_id=i % 7, event_id=str(i)) for i in range(1, 201)]
    rows.append(SimpleNamespace(id=201, case_type=None, case_id=None, event_id="201"))
    parts = relay.batches(rows, 50)
    assert 1 < len(parts) <= 5
    assert sorted(r.id for part in parts for r in part) == list(range(1, 202))
    for case_id in range(7):
        holders = [part for part in parts if any(r.case_id == case_id for r in part)]
        assert len(holders) == 1
        ids = [r.id for r in holders[0] if r.case_id == case_id]
        assert ids == sorted(ids)


def test_a_process_nudges_the_relays_at_most_once_per_interval(redis_url, monkeypatch):
    from types import SimpleNamespace

    from redis import Redis

    from berjasa.events import outbox

    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(outbox, "time", SimpleNamespace(monotonic=lambda: clock.now))
    key = f"test-{uuid.uuid4().hex}:outbox-nudge"
    nudge, client = outbox.RedisNudge(redis_url, key, min_interval=0.3), Redis.from_url(redis_url)
    nudge()
    assert client.blpop([key], timeout=1) is not None  # a relay wakes, and reads after its gather time
    clock.now += 0.29
    nudge()  # committed within the interval: that relay's read includes it, so no second nudge
    assert client.llen(key) == 0
    clock.now += 0.02
    nudge()
    assert client.llen(key) == 1
