"""What one attempt to send came to (a webhook POST, an e-mail)."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None  # the HTTP status, or the SMTP reply code
    latency_ms: int | None = None
    error: str | None = None


def elapsed_ms(started: float) -> int:
    """Milliseconds since `started` (a time.perf_counter() reading)."""
    return round((time.perf_counter() - started) * 1000)
