"""GET /metrics: who may read it, and the figures it shows (counted in-process on the hot path, read from the
database at scrape), with the clock moved by time-machine where ages matter."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
import sqlalchemy as sa

from berjasa.db import db, utcnow
from berjasa.enrolment.models import ImportBatch
from berjasa.events.models import Timer
from berjasa.events.outbox import emit
from berjasa.transaction import unit_of_work
from tests.metrics.helpers import TOKEN, delta, scrape, value
from tests.sla.conftest import tick, wita
from workers import actors, relay
from workers.consumer import consumer

T0 = wita(2026, 3, 2, 9, 0)
TRANSITIONS = "/api/v1/claims/<id:claim_id>/transitions"


def test_metrics_are_off_unless_a_token_or_public(app):
    client = app.test_client()
    off = client.get("/metrics")
    assert off.status_code == 404 and off.mimetype == "application/problem+json"
    assert off.get_json()["detail"] == "Metrics are off: set BERJASA_METRICS_TOKEN (or BERJASA_METRICS_PUBLIC)"
    app.config["METRICS_TOKEN"] = TOKEN
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = client.get("/metrics", headers=headers)
        assert (refused.status_code, refused.get_json()["title"]) == (401, "Authentication required")
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert value(scrape(client), "berjasa_database_up") == 1.0
    app.config.update(METRICS_TOKEN="", METRICS_PUBLIC=True)
    assert value(scrape(client, token=None), "berjasa_database_up") == 1.0


def test_requests_and_transitions_by_workflow_trigger_and_outcome(api, any_app):
    any_app.config["METRICS_TOKEN"] = TOKEN
    client = api.client
    before = scrape(client)
    claim = api.report(1)
    admitted = api.admit(claim)
    api.admit(claim, expect=409)  # the version it names is stale
    api.act(admitted, "fly", "demo-primaya", expect=409)  # no such trigger
    api.act(admitted, "verify", "demo-primaya", expect=403)  # BPJS's trigger
    api.act(admitted, "approve", "demo-bpjs", expect=409)  # not from hospital care
    api.act(admitted, "complete_treatment", "demo-primaya", expect=409, data={  # a guard: BPJS has not verified
        "doctor_statement_at": "2026-03-10T10:00:00+08:00", "outcome": "recovered",
        "discharged_at": "2026-03-10T12:00:00+08:00", "medical_cost": 1})
    after = scrape(client)
    changes = {(workflow, trigger, outcome): delta(before, after, "berjasa_transitions_total", workflow=workflow,
                                                   trigger=trigger, outcome=outcome)
               for workflow, trigger, outcome in [
                   ("claim", "create", "done"), ("claim", "admit", "done"), ("claim", "admit", "stale_version"),
                   ("claim", "unknown", "unknown_trigger"), ("claim", "verify", "forbidden"),
                   ("claim", "approve", "not_allowed_from_state"), ("claim", "complete_treatment", "guard_failed"),
                   ("claim", "fly", "unknown_trigger")]}
    assert changes == {("claim", "create", "done"): 1, ("claim", "admit", "done"): 1,
                       ("claim", "admit", "stale_version"): 1, ("claim", "unknown", "unknown_trigger"): 1,
                       ("claim", "verify", "forbidden"): 1, ("claim", "approve", "not_allowed_from_state"): 1,
                       ("claim", "complete_treatment", "guard_failed"): 1, ("claim", "fly", "unknown_trigger"): 0}
    count = "berjasa_http_request_duration_seconds_count"
    assert {status: delta(before, after, count, method="POST", endpoint=TRANSITIONS, status=status)
            for status in ("200", "403", "409")} == {"200": 1, "403": 1, "409": 4}
    assert delta(before, after, count, method="POST", endpoint="/api/v1/claims", status="201") == 1
    assert delta(before, after, count, method="GET", endpoint="/metrics", status="200") == 1
    unknown = client.get("/no/such/page")
    assert unknown.status_code == 404
    assert delta(after, scrape(client), count, method="GET", endpoint="unmatched", status="404") == 1


def emit_at(app, count):
    with app.app_context(), db.new_session() as session, unit_of_work(session):
        for i in range(count):
            emit(session, "bench.event", case_type="bench", case_id=i, case_version=1)


def test_outbox_backlog_and_tick_lag_read_at_scrape(any_app, travel):
    any_app.config["METRICS_TOKEN"] = TOKEN
    client = any_app.test_client()
    travel(T0)
    empty = scrape(client)
    assert [value(empty, name) for name in ("berjasa_outbox_unpublished",
                                            "berjasa_outbox_oldest_unpublished_age_seconds")] == [0, 0]
    emit_at(any_app, 1)
    with any_app.app_context(), db.new_session() as session, unit_of_work(session):
        session.add(Timer(kind="bench", due_at=T0 + timedelta(minutes=5), payload={}))
    travel(T0 + timedelta(minutes=1))
    emit_at(any_app, 2)
    travel(T0 + timedelta(minutes=10))
    with any_app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # table sizes are the statistics' count there: bring it up to date
            connection.exec_driver_sql("ANALYZE outbox")
    samples = scrape(client)
    assert value(samples, "berjasa_outbox_unpublished") == 3
    assert value(samples, "berjasa_outbox_oldest_unpublished_age_seconds") == 600
    assert value(samples, "berjasa_tick_lag_seconds", what="timers") == 300
    assert value(samples, "berjasa_tick_lag_seconds", what="clocks") == 0
    assert value(samples, "berjasa_table_rows", table="outbox") == 3
    with any_app.app_context(), db.new_session() as session:
        assert relay.relay_once(session) == 3
    dramatiq.get_broker().flush_all()
    published = scrape(client)
    assert [value(published, name) for name in ("berjasa_outbox_unpublished",
                                                "berjasa_outbox_oldest_unpublished_age_seconds")] == [0, 0]
    # the relay's own figures: three rows, published 9 and 10 minutes after they were made
    assert delta(samples, published, "berjasa_relay_published_total") == 3
    assert delta(samples, published, "berjasa_relay_lag_seconds_count") == 3
    assert delta(samples, published, "berjasa_relay_lag_seconds_bucket", le="300.0") == 0
    assert delta(samples, published, "berjasa_relay_lag_seconds_bucket", le="900.0") == 3


def test_sla_clocks_running_warned_breached(api, any_app, travel):
    any_app.config["METRICS_TOKEN"] = TOKEN
    travel(T0)
    api.report(1, accident_at="2026-03-02T08:00:00+08:00")  # BPJS's decision is due in 30 days, the expiry in 5 years
    before = scrape(api.client)
    assert {state: value(before, "berjasa_sla_clocks", state=state) for state in ("running", "warned", "breached")} \
        == {"running": 2, "warned": 0, "breached": 0}
    travel(T0 + timedelta(days=26))  # past the warning (5 days before), no tick yet
    waiting = scrape(api.client)
    assert value(waiting, "berjasa_tick_lag_seconds", what="clocks") == 86400
    tick(any_app, T0 + timedelta(days=26))
    warned = scrape(api.client)
    assert {state: value(warned, "berjasa_sla_clocks", state=state) for state in ("running", "warned", "breached")} \
        == {"running": 1, "warned": 1, "breached": 0}
    assert value(warned, "berjasa_tick_lag_seconds", what="clocks") == 0
    travel(T0 + timedelta(days=31))
    tick(any_app, T0 + timedelta(days=31))
    breached = scrape(api.client)
    assert {state: value(breached, "berjasa_sla_clocks", state=state) for state in ("running", "warned", "breached")} \
        == {"running": 1, "warned": 0, "breached": 1}
    assert delta(before, breached, "berjasa_sla_breaches_total") == 1


def test_imports_in_progress(any_app):
    any_app.config["METRICS_TOKEN"] = TOKEN
    with any_app.app_context(), db.new_session() as session, unit_of_work(session):
        for name, status, total, done in (("a.csv", "done", 50, 50), ("b.csv", "running", 45685, 20000),
                                          ("c.csv", "queued", 0, 0)):
            session.add(ImportBatch(filename=name, sha256=name * 8, status=status, total=total, done=done,
                                    requested_by="demo-caseworker"))
    with any_app.app_context(), db.new_session() as session, session.begin():
        ids = dict(session.execute(sa.select(ImportBatch.filename, ImportBatch.id)).all())
    samples = scrape(any_app.test_client())
    assert value(samples, "berjasa_imports_in_progress") == 2
    assert value(samples, "berjasa_import_rows", batch=str(ids["b.csv"])) == 45685
    assert value(samples, "berjasa_import_rows_done", batch=str(ids["b.csv"])) == 20000
    assert value(samples, "berjasa_import_rows_done", batch=str(ids["c.csv"])) == 0
    assert ("berjasa_import_rows", frozenset({("batch", str(ids["a.csv"]))})) not in samples


def refuse(_session, _event):
    raise RuntimeError("this consumer always fails")


def test_consumers_are_timed_and_their_outcomes_and_failures_counted(app):
    app.config["METRICS_TOKEN"] = TOKEN
    client = app.test_client()
    message = {"event_id": "e" * 32, "event_type": "bench.event", "case_type": "bench", "case_id": 7,
               "case_version": 1, "payload": {}, "created_at": utcnow().isoformat()}
    older = {**message, "event_id": "f" * 32, "case_version": 0}
    before = scrape(client)
    actors.case_activity.fn([message])
    actors.case_activity.fn([message, older])  # the same event again, and an older version of the case
    failing = consumer("metrics_test_failing", transactional=False)(refuse)
    try:
        failing.fn([message])
    except RuntimeError:
        pass
    after = scrape(client)
    assert {outcome: delta(before, after, "berjasa_consumer_events_total", consumer="case_activity", outcome=outcome)
            for outcome in ("done", "duplicate", "stale", "failed")} == {"done": 1, "duplicate": 1, "stale": 1,
                                                                         "failed": 0}
    assert delta(before, after, "berjasa_consumer_message_seconds_count", consumer="case_activity") == 2
    assert delta(before, after, "berjasa_consumer_failures_total", consumer="case_activity") == 0
    assert delta(before, after, "berjasa_consumer_failures_total", consumer="metrics_test_failing") == 1
    assert delta(before, after, "berjasa_consumer_message_seconds_count", consumer="metrics_test_failing") == 1
