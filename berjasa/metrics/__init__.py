"""Prometheus metrics: what each process counts as it works (a counter or histogram per thing done: no query,
no I/O on the hot path), and what /metrics computes from the database when it is scraped (berjasa/metrics/
gauges.py).

Processes and where their figures show:
- the API (gunicorn, or `berjasa serve`): requests, transitions, and the database's figures, at GET /metrics;
- `berjasa worker`: consumers, the tick and retention, with Dramatiq's own Prometheus middleware, on
  WORKER_METRICS_PORT;
- `berjasa scheduler`: the relay and the ticks it sends, on SCHEDULER_METRICS_PORT.
The embedded mode is one process: everything at GET /metrics.

Several processes of one kind (gunicorn's workers, Dramatiq's) share a directory of metric files
(prometheus-client's multi-process mode, PROMETHEUS_MULTIPROC_DIR, set before this module is first imported:
gunicorn.conf.py and `berjasa worker` do it)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess
from sqlalchemy import event
from sqlalchemy.orm import Session

from berjasa.db import utcnow
from berjasa.errors import BerjasaError, Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed

LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LAG = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

REQUESTS = Histogram("berjasa_http_request_duration_seconds",
                     "HTTP requests by endpoint (the route's rule) and status: _count is the request count",
                     ["method", "endpoint", "status"], buckets=LATENCY)
TRANSITIONS = Counter("berjasa_transitions_total",
                      "Case transitions by workflow, trigger and outcome (done once committed, or why refused)",
                      ["workflow", "trigger", "outcome"])
CONSUMER_EVENTS = Counter("berjasa_consumer_events_total",
                          "Events handed to a consumer, by outcome (done, duplicate, stale, failed)",
                          ["consumer", "outcome"])
CONSUMER_SECONDS = Histogram("berjasa_consumer_message_seconds",
                             "Time a consumer took to handle one message (a batch of events)", ["consumer"],
                             buckets=LATENCY)
CONSUMER_FAILURES = Counter("berjasa_consumer_failures_total",
                            "Messages whose handling raised (Dramatiq retries them), by consumer", ["consumer"])
RELAY_PUBLISHED = Counter("berjasa_relay_published_total", "Outbox rows the relay published")
RELAY_LAG = Histogram("berjasa_relay_lag_seconds", "From an event's creation to its publication by the relay",
                      buckets=LAG)
RELAY_FAILURES = Counter("berjasa_relay_failures_total", "Relay passes that failed (database or broker away)")
RELAY_LAST_PASS = Gauge("berjasa_relay_last_pass_timestamp_seconds", "When the relay last finished a pass",
                        multiprocess_mode="max")
TICKS_SENT = Counter("berjasa_scheduler_ticks_sent_total", "Ticks the scheduler sent")
TICK_SECONDS = Histogram("berjasa_tick_duration_seconds", "Time one tick took (timers, clocks, deliveries, retention)",
                         buckets=LATENCY)
TICK_LAST = Gauge("berjasa_tick_last_run_timestamp_seconds", "When a tick last finished", multiprocess_mode="max")
TICK_ITEMS = Counter("berjasa_tick_items_total",
                     "What ticks did: timers fired, clocks warned, breached, escalated, deliveries handed over",
                     ["kind"])
PRUNED = Counter("berjasa_retention_pruned_total", "Rows deleted by the retention job, by table", ["table"])

#: session.info key: transitions written in the open transaction, counted once it commits.
PENDING = "berjasa.metrics.transitions"


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir"))


def exposition(*extra: CollectorRegistry) -> bytes:
    """This process's metrics (every process's of its kind in multi-process mode), then `extra`'s."""
    if multiprocess():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        own = generate_latest(REGISTRY)
    return own + b"".join(generate_latest(registry) for registry in extra)


def serve(host: str, port: int) -> None:
    """Serve this process's metrics on host:port from a daemon thread (`berjasa scheduler`)."""
    from prometheus_client import REGISTRY, start_http_server

    registry = REGISTRY
    if multiprocess():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
    start_http_server(port, addr=host, registry=registry)


# ---------------------------------------------------------------- transitions
def counted_transition(trigger_of: Callable[..., str]) -> Callable:
    """Count what a write-path function does to a case: `done` when its transaction commits, or the refusal."""
    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def wrapper(session: Session, case: Any, *args: Any, **kwargs: Any) -> Any:
            workflow = case.workflow
            trigger = trigger_of(**kwargs)
            if trigger != "create" and trigger not in workflow.triggers:
                trigger = "unknown"  # a client's string: never a label of its own
            try:
                result = fn(session, case, *args, **kwargs)
            except BerjasaError as exc:
                TRANSITIONS.labels(workflow.name, trigger, refusal(exc)).inc()
                raise
            session.info.setdefault(PENDING, []).append((workflow.name, trigger))
            return result
        return wrapper
    return decorate


def refusal(exc: BerjasaError) -> str:
    """The outcome label of a refused transition."""
    if isinstance(exc, StaleVersion):
        return "stale_version"
    if isinstance(exc, InvalidTransition):
        return str(exc.extra.get("code") or "invalid_transition")
    if isinstance(exc, Forbidden):
        return "forbidden"
    if isinstance(exc, ValidationFailed):
        return "invalid_data"
    if isinstance(exc, NotFound):
        return "not_found"
    return "refused"


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for workflow, trigger in session.info.pop(PENDING, ()):
        TRANSITIONS.labels(workflow, trigger, "done").inc()


@event.listens_for(Session, "after_rollback")
def _count_rolled_back(session: Session) -> None:
    for workflow, trigger in session.info.pop(PENDING, ()):
        TRANSITIONS.labels(workflow, trigger, "rolled_back").inc()


# ---------------------------------------------------------------- consumers, relay, tick
@contextmanager
def consuming(consumer: str) -> Iterator[None]:
    """Time one message of a consumer; count it as failed if its handling raises."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        CONSUMER_FAILURES.labels(consumer).inc()
        raise
    finally:
        CONSUMER_SECONDS.labels(consumer).observe(time.perf_counter() - started)


def consumed(consumer: str, outcomes: Iterable[str]) -> None:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    for outcome, count in counts.items():
        CONSUMER_EVENTS.labels(consumer, outcome).inc(count)


def relayed(created: Sequence[datetime | None]) -> None:
    """The relay published events made at these times."""
    now = utcnow()
    for at in created:
        if at is not None:
            RELAY_LAG.observe(max(0.0, (now - at).total_seconds()))
    RELAY_PUBLISHED.inc(len(created))


def ticked(*, pruned: dict[str, int], **items: int) -> None:
    """A tick finished: what it did, and the rows retention deleted."""
    for kind, count in items.items():
        if count:
            TICK_ITEMS.labels(kind).inc(count)
    for table, count in pruned.items():
        if count:
            PRUNED.labels(table).inc(count)
    TICK_LAST.set_to_current_time()
