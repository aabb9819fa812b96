"""The embedded mode's background side, in-process: Dramatiq Worker threads on the stub broker, the
outbox relay thread, and the scheduler's tick thread. The outbox is the durable queue here: at start,
events whose handling never completed are handed to their consumers again."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import dramatiq
from flask import Flask

from berjasa.events.outbox import REDELIVERY_WINDOW
from workers.app import use_app

log = logging.getLogger("berjasa.embedded")


@dataclass
class Runtime:
    worker: dramatiq.Worker
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def stop(self, timeout_ms: int = 10_000) -> None:
        from berjasa.events import outbox

        self.stopping.set()
        outbox.wakeup.set()
        for thread in self.threads:
            thread.join(timeout=timeout_ms / 1000)
        self.worker.stop(timeout=timeout_ms)


def start(app: Flask, *, threads: int | None = None, tick_seconds: float | None = None,
          relay: bool = True) -> Runtime:
    """Start the workers, hand unfinished events over again, then start the relay and the tick."""
    use_app(app)
    from workers import actors
    from workers import relay as outbox_relay

    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=threads or app.config["WORKER_THREADS"],
                             worker_timeout=100)
    worker.start()
    runtime = Runtime(worker)
    redeliver_unfinished(app)
    if relay:
        runtime.threads.append(_thread("berjasa-relay", outbox_relay.run, app, runtime.stopping, _wait_for_nudge))
    interval = tick_seconds or app.config["TICK_SECONDS"]
    runtime.threads.append(_thread("berjasa-tick", _tick_loop, runtime.stopping, interval, actors.tick))
    return runtime


def redeliver_unfinished(app: Flask) -> int:
    """Send again every published event that a subscribed consumer never recorded as processed."""
    from berjasa.db import db
    from berjasa.events.outbox import unfinished_deliveries
    from berjasa.events.subscriptions import SUBSCRIPTIONS
    from workers import relay

    with app.app_context(), db.new_session() as session, session.begin():
        pending = unfinished_deliveries(session, SUBSCRIPTIONS, since=REDELIVERY_WINDOW)
    by_consumer: dict[str, list] = {}
    for row, consumer in pending:
        by_consumer.setdefault(consumer, []).append(row)
    for consumer, rows in by_consumer.items():
        for batch in relay.batches(rows, relay.CHUNK):
            relay.send(batch, consumer)
    if pending:
        log.info("handed %d unfinished event deliveries to their consumers again", len(pending))
    return len(pending)


def _thread(name: str, target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread


def _wait_for_nudge(timeout: float) -> None:
    from berjasa.events import outbox

    outbox.wakeup.wait(timeout)
    outbox.wakeup.clear()


def _tick_loop(stopping: threading.Event, interval: float, tick: dramatiq.Actor) -> None:
    while not stopping.wait(interval):
        try:
            tick.send()
        except Exception:  # a failed tick is retried by the next one
            log.exception("could not send tick")
