"""Metrics of the production processes (PostgreSQL, Redis): gunicorn's two workers add up in GET /metrics
(prometheus-client's multi-process mode), `berjasa worker` serves Dramatiq's and the consumers' figures on its port
and `berjasa scheduler` the relay's on its own."""

from __future__ import annotations

import json
import sys
import time
import urllib.request

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from tests.claims.helpers import recent, report_body
from tests.services import free_port, wait_for_port
from tests.workers.processes import (
    BERJASA,
    background,
    nightly_checks_already_requested,
    production_env,
    run,
    wait_until,
)

TOKEN = "metrics-token-" + "p" * 20


def get(url: str, token: str | None = None, body: dict | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def samples(url: str, token: str | None = None) -> dict[tuple[str, frozenset], float]:
    _, text = get(url, token)
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found, name, **labels) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def stack(tmp_path, pg_url, redis_url):
    env = production_env(pg_url, redis_url, tmp_path / "instance")
    env.update(BERJASA_METRICS_TOKEN=TOKEN, BERJASA_TICK_SECONDS="1")
    for step in (("db", "upgrade"), ("demo", "seed")):
        done = run(env, *step)
        assert done.returncode == 0, done.stderr
    tokens = {line.split()[1]: line.split()[2] for line in done.stdout.splitlines()}
    nightly_checks_already_requested(pg_url)
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"]
    with background(gunicorn, env, tmp_path / "gunicorn.log"), \
            background([*BERJASA, "worker", "--processes", "2"], env, tmp_path / "worker.log"), \
            background([*BERJASA, "scheduler"], env, tmp_path / "scheduler.log"):
        for listening in (port, int(env["BERJASA_WORKER_METRICS_PORT"]), int(env["BERJASA_SCHEDULER_METRICS_PORT"])):
            wait_for_port(listening, timeout=60)
        yield {"api": f"http://127.0.0.1:{port}", "tokens": tokens, "database": pg_url,
               "worker": f"http://127.0.0.1:{env['BERJASA_WORKER_METRICS_PORT']}/metrics",
               "scheduler": f"http://127.0.0.1:{env['BERJASA_SCHEDULER_METRICS_PORT']}/metrics"}


def outbox_rows(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        count = connection.scalar(sa.text("SELECT count(*) FROM outbox"))
    engine.dispose()
    return count


def test_each_process_kind_shows_its_figures(stack):
    api = stack["api"]
    for _ in range(20):
        assert get(f"{api}/healthz")[0] == 200
    for serial in range(1, 6):  # reported two hours after the accident: no clock falls due while the test runs
        status, _ = get(f"{api}/api/v1/claims", stack["tokens"]["demo-primaya"],
                        report_body(serial, accident_at=recent()))
        assert status == 201
    events = outbox_rows(stack["database"])
    assert events == 5  # claim.created
    handled = wait_until(lambda: value(samples(stack["worker"]), "berjasa_consumer_events_total",
                                       consumer="case_activity", outcome="done") >= events,
                         what="the worker to handle every event")
    assert handled, "the worker did not handle every event"
    assert outbox_rows(stack["database"]) == events

    front = wait_until(lambda: (s := samples(f"{api}/metrics", TOKEN)) and
                       value(s, "berjasa_outbox_unpublished") == 0 and s)
    # twenty requests over two gunicorn workers, counted once each
    assert value(front, "berjasa_http_request_duration_seconds_count", method="GET", endpoint="/healthz",
                 status="200") == 20
    assert value(front, "berjasa_transitions_total", workflow="claim", trigger="create", outcome="done") == 5
    assert value(front, "berjasa_outbox_oldest_unpublished_age_seconds") == 0
    assert value(front, "berjasa_sla_clocks", state="running") == 10  # per claim: BPJS's decision and the expiry
    assert value(front, "berjasa_database_up") == 1

    worker = samples(stack["worker"])
    assert value(worker, "berjasa_consumer_events_total", consumer="case_activity", outcome="done") == events
    assert value(worker, "dramatiq_messages_total", queue_name="events", actor_name="case_activity") >= 1
    assert value(worker, "berjasa_consumer_message_seconds_count", consumer="case_activity") >= 1
    assert wait_until(lambda: value(samples(stack["worker"]), "berjasa_tick_duration_seconds_count") >= 1)
    assert value(samples(stack["worker"]), "berjasa_tick_last_run_timestamp_seconds") > time.time() - 60

    scheduler = samples(stack["scheduler"])
    assert value(scheduler, "berjasa_relay_published_total") == events
    assert value(scheduler, "berjasa_relay_lag_seconds_count") == events
    assert value(scheduler, "berjasa_scheduler_ticks_sent_total") >= 1
    assert value(scheduler, "berjasa_relay_last_pass_timestamp_seconds") > time.time() - 60
