"""Fault tests on the production stack: PostgreSQL, a Redis of our own, real worker and scheduler processes."""

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from berjasa.db import db
from berjasa.events.models import CaseActivity, OutboxEvent, ProcessedMessage
from berjasa.events.outbox import emit
from berjasa.transaction import unit_of_work
from tests.conftest import make_app
from tests.services import RedisServer, redis_server_binary, unavailable
from tests.workers.processes import (
    BERJASA,
    ROOT,
    background,
    nightly_checks_already_requested,
    production_env,
    run,
    wait_until,
    worker,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def redis_server(tmp_path):
    if redis_server_binary() is None:
        unavailable("redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(tmp_path, pg_url, redis_server):
    env = production_env(pg_url, redis_server.url, tmp_path / "instance")
    assert run(env, "db", "upgrade").returncode == 0
    nightly_checks_already_requested(pg_url)
    app = make_app(tmp_path, pg_url)  # the test's own view of the database (no broker)
    yield env, app
    with app.app_context():
        db.engine.dispose()


def emit_events(app, case_ids, version=1):
    with app.app_context(), db.new_session() as session, unit_of_work(session):
        for case_id in case_ids:
            emit(session, "sample.submit", case_type="sample", case_id=case_id, case_version=version)


def state(app):
    with app.app_context(), db.new_session() as session, session.begin():
        activity = {a.case_id: a.events_handled for a in session.scalars(sa.select(CaseActivity))}
        processed = session.scalar(sa.select(sa.func.count()).select_from(ProcessedMessage))
        unpublished = session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)
                                     .where(OutboxEvent.published_at.is_(None)))
    return activity, processed, unpublished


def scheduler(env, log):
    return background([*BERJASA, "scheduler"], env, log)


def test_a_worker_killed_mid_handler_loses_nothing_and_doubles_nothing(tmp_path, stack):
    env, app = stack
    with app.app_context(), db.new_session() as session, unit_of_work(session):
        session.add(CaseActivity(case_type="sample", case_id=42, events_handled=0, last_version=0,
                                 last_event_type="-", last_event_at=sa.func.now()))
    emit_events(app, [42])
    engine = sa.create_engine(env["BERJASA_DATABASE_URL"])
    blocker = engine.connect()
    blocker.execute(sa.text("SELECT * FROM case_activity WHERE case_id = 42 FOR UPDATE"))  # hold the row
    try:
        with scheduler(env, tmp_path / "scheduler.log"):
            first = worker(env, tmp_path / "worker1.log")
            process = first.__enter__()

            def handler_blocked():
                with engine.connect() as conn:
                    return conn.scalar(sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE '%case_activity%'")) > 0

            wait_until(handler_blocked, timeout=90, what="the handler to block in the middle of its transaction")
            os.killpg(process.pid, signal.SIGKILL)  # the whole `berjasa worker` group, mid-handler
            process.wait()
            blocker.rollback()
            assert state(app)[0] == {42: 0}  # the killed handler's work was rolled back
            with worker(env, tmp_path / "worker2.log"):
                wait_until(lambda: state(app)[0] == {42: 1}, timeout=90, what="the redelivered message")
                time.sleep(2)
                activity, processed, unpublished = state(app)
    finally:
        blocker.close()
        engine.dispose()
    assert (activity, processed, unpublished) == ({42: 1}, 1, 0)


KILL_BETWEEN_SEND_AND_MARK = """
import os, signal
from workers import relay
from workers.app import get_app
from berjasa.db import db

relay._mark_published = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
with get_app().app_context(), db.new_session() as session:
    relay.relay_once(session)
"""


def test_a_relay_killed_between_send_and_mark_resends_and_the_consumer_absorbs_it(tmp_path, stack):
    env, app = stack
    emit_events(app, [1, 2, 3])
    killed = subprocess.run([sys.executable, "-c", KILL_BETWEEN_SEND_AND_MARK], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert state(app)[2] == 3  # sent to Redis, never marked published
    with worker(env, tmp_path / "worker.log"):
        wait_until(lambda: state(app)[0] == {1: 1, 2: 1, 3: 1}, timeout=90, what="the first deliveries")
        with scheduler(env, tmp_path / "scheduler.log"):  # the next relay sends all three again
            wait_until(lambda: state(app)[2] == 0, timeout=90, what="the relay to mark the rows published")
            wait_until(lambda: (tmp_path / "worker.log").read_text().count("duplicate delivery") == 3,
                       timeout=90, what="the worker to absorb the three duplicates")
    assert state(app) == ({1: 1, 2: 1, 3: 1}, 3, 0)


def test_nothing_is_lost_when_redis_restarts_with_events_pending(tmp_path, stack, redis_server):
    env, app = stack
    emit_events(app, range(1, 21))
    with scheduler(env, tmp_path / "scheduler.log"):
        wait_until(lambda: state(app)[2] == 0, timeout=90, what="20 events published to Redis (no worker yet)")
        redis_server.stop()  # 20 messages sit in Redis's queue, kept in its append-only file
        emit_events(app, range(21, 31))  # 10 more while Redis is down: the relay cannot publish them
        time.sleep(3)
        assert state(app)[2] == 10
        redis_server.start()
        with worker(env, tmp_path / "worker.log"):
            wait_until(lambda: len(state(app)[0]) == 30, timeout=90, what="all 30 events handled")
            time.sleep(2)
            activity, processed, unpublished = state(app)
    assert activity == {i: 1 for i in range(1, 31)}
    assert (processed, unpublished) == (30, 0)
