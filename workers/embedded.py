"""The embedded mode's background side: Dramatiq Worker threads and a scheduler thread, in-process."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import dramatiq
from flask import Flask

from workers.app import use_app

log = logging.getLogger("berjasa.embedded")


@dataclass
class Runtime:
    worker: dramatiq.Worker
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def stop(self, timeout_ms: int = 10_000) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=timeout_ms / 1000)
        self.worker.stop(timeout=timeout_ms)


def start(app: Flask, *, threads: int | None = None, tick_seconds: float | None = None) -> Runtime:
    """Start Worker threads on the stub broker and a thread that sends `tick` every few seconds."""
    use_app(app)
    from workers import actors

    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=threads or app.config["WORKER_THREADS"],
                             worker_timeout=100)
    worker.start()
    runtime = Runtime(worker)
    interval = tick_seconds or app.config["TICK_SECONDS"]
    ticker = threading.Thread(target=_tick_loop, args=(runtime.stopping, interval, actors.tick), daemon=True,
                              name="berjasa-tick")
    ticker.start()
    runtime.threads.append(ticker)
    return runtime


def _tick_loop(stopping: threading.Event, interval: float, tick: dramatiq.Actor) -> None:
    while not stopping.wait(interval):
        try:
            tick.send()
        except Exception:  # a failed tick is retried by the next one
            log.exception("could not send tick")
