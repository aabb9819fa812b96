"""One error hierarchy, rendered one way: application/problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, json
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

PROBLEM_MIME = "application/problem+json"
log = logging.getLogger("berjasa.errors")


class BerjasaError(Exception):
    """Base of every error a caller is meant to see. Subclasses fix status, type and title."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Mapping[str, list[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = dict(errors or {})
        self.extra = dict(extra or {})


class Unauthorized(BerjasaError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(BerjasaError):
    status, slug, title = 403, "forbidden", "Not allowed for your role"


class NotFound(BerjasaError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(BerjasaError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class InvalidTransition(Conflict):
    slug, title = "invalid-transition", "Transition not allowed"


class StaleVersion(Conflict):
    slug, title = "stale-version", "The case has changed since you read it"


class ValidationFailed(BerjasaError):
    status, slug, title = 422, "validation-error", "Invalid input"


class DependencyDown(BerjasaError):
    status, slug, title = 503, "dependency-down", "A dependency is unavailable"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Build a problem+json response; every error the service returns goes through here."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": dict(errors or {}),
    }
    body.update(extra or {})
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into {"a.b.0.c": ["reason", ...]}."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(flatten_messages(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": [str(m) for m in messages]}
    return {prefix or "_schema": [str(messages)]}


def field_errors(data: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Field errors from webargs/flask-smorest's abort data; the JSON body's fields keep their bare names."""
    messages = (data or {}).get("errors") or (data or {}).get("messages") or {}
    flat: dict[str, list[str]] = {}
    for location, fields in messages.items():
        if location == "json":
            # The body as a whole (malformed JSON, not an object) is reported as "body".
            flat.update(flatten_messages(fields, "" if isinstance(fields, Mapping) else "body"))
        else:
            flat.update(flatten_messages(fields, location))
    return flat


def http_exception_response(error: HTTPException) -> Response:
    """Render werkzeug's and flask-smorest's HTTP errors (404, 405, 413, 422, ...) as problem+json."""
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    errors = field_errors(data)
    detail = data.get("message") or error.description or error.name
    if status == 422 and errors:
        detail = f"Invalid fields: {', '.join(sorted(errors))}"
    if status == 400 and errors:
        detail = "; ".join(m for msgs in errors.values() for m in msgs)
    headers = {k: v for k, v in error.get_headers() if k.lower() not in ("content-type", "content-length")}
    headers.update(data.get("headers") or {})
    slug = "validation-error" if status == 422 else None
    return problem(status, error.name, str(detail), slug=slug, errors=errors, headers=headers)


def berjasa_error_response(error: BerjasaError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="berjasa"'} if error.status == 401 else None
    return problem(
        error.status, error.title, error.detail, slug=error.slug, errors=error.errors, extra=error.extra,
        headers=headers,
    )


def unexpected_error_response(error: Exception) -> Response:
    """A bug: log the traceback with the request id; tell the caller nothing of the internals."""
    if isinstance(error, HTTPException):
        return http_exception_response(error)
    if isinstance(error, OperationalError):
        # The database went away (restart, failover, network): the pool drops the dead connections,
        # so a retry gets a fresh one. No pre-ping round trip on every checkout.
        log.warning("database unavailable (request %s): %s", g.get("request_id", "-"), type(error.orig).__name__)
        return problem(503, "Service unavailable", "The database is unavailable; retry shortly.",
                       slug="dependency-down", headers={"Retry-After": "2"})
    log.exception("unhandled error (request %s)", g.get("request_id", "-"))
    return problem(500, "Internal server error", "An unexpected error occurred; quote the request id.")


def init_app(app: Flask) -> None:
    app.register_error_handler(BerjasaError, berjasa_error_response)
    app.register_error_handler(Exception, unexpected_error_response)
