"""The ping round trip: through the stub broker in-process, and through Redis to a separate worker."""

import os
import sys
import time
import urllib.request

import pytest
import sqlalchemy as sa

from berjasa.db import db
from berjasa.system.models import Ping
from tests.services import free_port, wait_for_port
from tests.workers.processes import background, production_env, run, worker


def test_ping_through_the_stub_broker(app):
    from workers import actors, embedded

    runtime = embedded.start(app, threads=2, tick_seconds=60)
    try:
        actors.ping.send("stub-nonce")
        actors.ping.send("stub-nonce")  # delivered twice, recorded once
        deadline = time.monotonic() + 10
        rows = []
        while time.monotonic() < deadline and not rows:
            with app.app_context(), db.new_session() as session:
                rows = session.scalars(sa.select(Ping)).all()
            time.sleep(0.05)
        runtime.worker.join()
    finally:
        runtime.stop()
    with app.app_context(), db.new_session() as session:
        rows = session.scalars(sa.select(Ping)).all()
    assert [r.nonce for r in rows] == ["stub-nonce"]
    assert rows[0].handled_by.endswith(f":{os.getpid()}")


@pytest.fixture
def production(tmp_path, pg_url, redis_url):
    env = production_env(pg_url, redis_url, tmp_path / "instance")
    upgraded = run(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return env


def pings(database_url):
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(Ping.nonce, Ping.handled_by)).all()
    engine.dispose()
    return rows


def test_ping_through_redis_to_a_worker_process(tmp_path, production):
    with worker(production, tmp_path / "worker.log") as process:
        result = run(production, "ping", "--timeout", "60")
        assert result.returncode == 0, result.stderr + (tmp_path / "worker.log").read_text()
        assert result.stdout.startswith("pong from ")
        handled_by = result.stdout.split()[2]
        assert int(handled_by.rsplit(":", 1)[1]) not in (os.getpid(), process.pid)  # a dramatiq child process
    assert [r.handled_by for r in pings(production["BERJASA_DATABASE_URL"])] == [handled_by]


def test_ping_without_a_worker_times_out(production):
    result = run(production, "ping", "--timeout", "2")
    assert result.returncode == 1
    assert "no worker handled the ping within 2s" in result.stderr


def test_production_smoke(tmp_path, production):
    """gunicorn + berjasa worker + PostgreSQL + Redis: /readyz answers and a message is delivered."""
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"]
    with background(gunicorn, production, tmp_path / "gunicorn.log"), worker(production, tmp_path / "worker.log"):
        wait_for_port(port, timeout=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
            assert response.status == 200
            assert response.read() == b'{"status":"ready","database":"ok","broker":"ok","mode":"production"}\n'
        result = run(production, "ping", "--timeout", "60")
        assert result.returncode == 0, result.stderr
    assert [r.handled_by for r in pings(production["BERJASA_DATABASE_URL"])] == [result.stdout.split()[2]]
