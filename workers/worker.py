"""What `berjasa worker` loads into each Dramatiq process: the actors, and Dramatiq's Prometheus middleware, which
counts, times and follows every message per actor (retries, dead letters, in progress) and serves them, with the
consumers' and the tick's own metrics (berjasa.metrics), on BERJASA_WORKER_METRICS_PORT.

`berjasa worker` sets the middleware's environment first (its metrics directory, host and port), since both it and
prometheus-client read it when they are imported."""

from __future__ import annotations

from dramatiq.middleware.prometheus import Prometheus

from workers.broker import broker

broker.add_middleware(Prometheus())

from workers import actors, notifications  # noqa: E402,F401  (the actors, declared after the middleware)
