"""Logging: one line per request, JSON on demand, and no NIK or token ever in full."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request

# A NIK is 16 digits standing alone: not part of a longer run of letters and digits, such as a request id or
# an event id (uuid4 hex), whose digits are not a NIK and must stay as they are to be found again.
NIK_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{2})(?![0-9A-Za-z])")
TOKEN_PATTERN = re.compile(r"\b(bj_[A-Za-z]*_?)[A-Za-z0-9_-]{8,}")
BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)\S+")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("berjasa.access")


def mask_nik(nik: str | None) -> str:
    """'7371014501900001' -> '7371**********01': enough to tell records apart, not enough to identify."""
    if not nik:
        return ""
    digits = str(nik)
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def redact(text: str) -> str:
    """Mask anything in free text that looks like a NIK or a bearer token."""
    text = NIK_PATTERN.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    text = BEARER_PATTERN.sub(r"\1[redacted]", text)
    return TOKEN_PATTERN.sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """Applied to every handler: the last line of defence against a NIK or token in a log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the fields of an access line when present."""

    FIELDS = ("request_id", "method", "path", "status", "duration_ms", "remote_addr", "user")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exc_info"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def formatException(self, ei) -> str:  # noqa: N802 (logging's API)
        return redact(super().formatException(ei))


def configure(log_format: str, level: str) -> None:
    """Set up the root logger once per process: stderr, text or JSON, redacting."""
    root = logging.getLogger()
    for other in list(root.handlers):
        # A host's own handler (Dramatiq's worker processes add one) would print every line twice and
        # unredacted; pytest's capture handlers stay.
        if not getattr(other, "berjasa", False) and not type(other).__module__.startswith("_pytest"):
            root.removeHandler(other)
    handler = next((h for h in root.handlers if getattr(h, "berjasa", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.berjasa = True  # type: ignore[attr-defined]
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("dramatiq").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("request_started", time.perf_counter())
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    request_id = g.get("request_id", "-")
    response.headers["X-Request-ID"] = request_id
    if not access_log.isEnabledFor(logging.INFO):
        return response
    path = redact(request.path)
    access_log.info(
        "%s %s %s %sms id=%s",
        request.method, path, response.status_code, duration_ms, request_id,
        extra={
            "request_id": request_id, "method": request.method, "path": path,
            "status": response.status_code, "duration_ms": duration_ms,
            "remote_addr": request.remote_addr, "user": g.get("username"),
        },
    )
    return response


def init_app(app: Flask) -> None:
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    app.before_request(_start_request)
    app.after_request(_log_request)
