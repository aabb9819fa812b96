"""Real processes for production-mode tests: berjasa worker, scheduler, gunicorn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import SECRET
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
BERJASA = [sys.executable, "-m", "workers.cli"]


def production_env(database_url: str, broker_url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env.update(
        BERJASA_DATABASE_URL=database_url,
        BERJASA_BROKER_URL=broker_url,
        BERJASA_SECRET_KEY=SECRET,
        BERJASA_INSTANCE_PATH=str(instance),
        BERJASA_WORKER_THREADS="2",
        # each test its own queues, so a message one test left behind never reaches another
        BERJASA_BROKER_NAMESPACE=f"berjasa-test-{uuid.uuid4().hex[:8]}",
        # a short heartbeat so that a killed worker's messages come back quickly in fault tests
        BERJASA_BROKER_HEARTBEAT_TIMEOUT_MS="5000",
        # metrics on ports of their own, so that tests (and other runs on the machine) never fight over 9191/9192
        BERJASA_WORKER_METRICS_PORT=str(free_port()),
        BERJASA_SCHEDULER_METRICS_PORT=str(free_port()),
    )
    return env


def wait_until(check: Callable[[], object], timeout: float = 60, what: str = "condition"):
    """Poll a real process's effect until `check()` is truthy and return that value; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return result


def run(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*BERJASA, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@contextmanager
def background(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Start a process group in the background; stop the whole group afterwards."""
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def worker(env: dict[str, str], log: Path, processes: int = 1):
    return background([*BERJASA, "worker", "--processes", str(processes)], env, log)


def nightly_checks_already_requested(database_url: str) -> None:
    """Mark the nightly full run of the checks as requested for today and tomorrow (WITA), so that a scheduler
    started by a test emits no `checks.requested` of its own (its first tick would, at any hour after 02:00) and
    the test's counts of events and handled messages are its own."""
    from datetime import datetime, timedelta

    import sqlalchemy as sa

    from berjasa.time import WITA

    today = datetime.now(WITA).date()
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO check_nights (day, at) VALUES (:day, now())"),
                           [{"day": today}, {"day": today + timedelta(days=1)}])
    engine.dispose()
