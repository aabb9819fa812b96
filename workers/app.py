"""The Flask app that actors run in: made on first use in a worker process, or handed in by `serve`."""

from __future__ import annotations

import threading

from flask import Flask

_app: Flask | None = None
_lock = threading.Lock()


def use_app(app: Flask | None) -> None:
    """Make actors in this process use `app` (the embedded mode and tests)."""
    global _app
    _app = app


def get_app() -> Flask:
    global _app
    with _lock:
        if _app is None:
            from berjasa import create_app

            _app = create_app()
        return _app
