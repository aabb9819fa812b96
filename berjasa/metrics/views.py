"""GET /metrics: the Prometheus text format, for a scraper that holds METRICS_TOKEN (or anyone, when
METRICS_PUBLIC is on; with neither it does not exist: 404)."""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry

from berjasa import metrics
from berjasa.db import db
from berjasa.errors import problem
from berjasa.metrics.gauges import DatabaseCollector

blp = Blueprint("metrics", __name__)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@blp.get("/metrics")
def scrape():
    """This process's (or all gunicorn workers') counters, and the database's figures read now."""
    refused = _refusal()
    if refused is not None:
        return refused
    with db.new_session() as session:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(DatabaseCollector(session))
        body = metrics.exposition(registry)
    return Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)


def _refusal() -> Response | None:
    config = current_app.config
    if config["METRICS_PUBLIC"]:
        return None
    token = config["METRICS_TOKEN"]
    if not token:
        return problem(404, "Not Found", "Metrics are off: set BERJASA_METRICS_TOKEN (or BERJASA_METRICS_PUBLIC)",
                       slug="not-found")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return problem(401, "Authentication required", "GET /metrics needs the metrics token",
                       slug="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return None


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"  # a client's string: no label of its own
        metrics.REQUESTS.labels(method, rule, str(response.status_code)).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Count and time every request (a histogram observation: no I/O), and serve /metrics."""
    app.before_request(_start)
    app.after_request(_observe)
    app.register_blueprint(blp)
