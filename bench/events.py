"""End-to-end event throughput and latency on the production stack:
commit -> outbox -> relay (berjasa scheduler) -> Redis -> actor (berjasa worker, 2 processes) -> processed row.

    .venv/bin/python bench/events.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

It makes a scratch database and its own redis-server, and prints:
- events/s when events are committed as fast as possible (target >= 2,000/s);
- p50/p99 latency from commit to handled at a steady 500 events/s (target p99 <= 1 s);
- the limit measured in the same run: single-connection INSERT+COMMIT rate of the same PostgreSQL.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from procs import free_port, scratch_database, start, start_redis, stop  # noqa: E402

SECRET = "bench-secret-" + "x" * 40








def commit_rate(url: str, seconds: float = 2.0) -> float:
    """The limit: how many single-row INSERT+COMMIT one connection gets per second."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_commits (id serial PRIMARY KEY, v text)"))
        conn.commit()
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            conn.execute(sa.text("INSERT INTO bench_commits (v) VALUES ('x')"))
            conn.commit()
            count += 1
    engine.dispose()
    return count / seconds


def emit(app, count: int, per_transaction: int) -> None:
    from berjasa.db import db
    from berjasa.events.outbox import emit as emit_event
    from berjasa.transaction import unit_of_work

    with app.app_context(), db.new_session() as session:
        for start_at in range(0, count, per_transaction):
            with unit_of_work(session):
                for _ in range(min(per_transaction, count - start_at)):
                    emit_event(session, "bench.event", case_type="bench", case_id=uuid.uuid4().int % 2**62,
                               case_version=1)


def emit_paced(k: int, emitters: int, rate: int, total: int, started: float) -> None:
    """Emitter process k of `emitters`: one event per transaction, its share of `rate` events/s."""
    from berjasa import create_app
    from berjasa.db import db
    from berjasa.events.outbox import emit as emit_event
    from berjasa.transaction import unit_of_work

    app = create_app()
    with app.app_context(), db.new_session() as session:
        for i in range(k, total, emitters):
            pause = started + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            with unit_of_work(session):
                emit_event(session, "bench.event", case_type="bench", case_id=10**12 + i, case_version=1)


def handled(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.scalar(sa.text("SELECT count(*) FROM processed_messages"))
    engine.dispose()
    return value


def wait_handled(url: str, total: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while handled(url) < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {handled(url)} of {total} events handled in {timeout:.0f}s")
        time.sleep(0.25)


def latencies(url: str, since_id: int) -> list[float]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT EXTRACT(EPOCH FROM (p.processed_at - o.created_at)) FROM outbox o "
            "JOIN processed_messages p ON p.message_id = o.event_id WHERE o.id > :since ORDER BY 1"
        ), {"since": since_id}).scalars().all()
    engine.dispose()
    return [float(r) for r in rows]


def span(url: str) -> tuple[float, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        seconds, count = conn.execute(sa.text(
            "SELECT EXTRACT(EPOCH FROM (max(p.processed_at) - min(o.created_at))), count(*) "
            "FROM outbox o JOIN processed_messages p ON p.message_id = o.event_id")).one()
        last_id = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM outbox"))
    engine.dispose()
    return float(seconds), int(count), last_id


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BERJASA_TEST_DATABASE_URL"), required=False)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")
    parser.add_argument("--emitters", type=int, default=2, help="processes committing events in the latency run")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BERJASA_TEST_DATABASE_URL) is required")
    scratch = contextlib.ExitStack()
    url = scratch.enter_context(scratch_database(args.database_url))
    workdir = Path(tempfile.mkdtemp(prefix="berjasa-bench-"))
    redis_port = free_port()
    processes = []
    try:
        processes.append(start_redis(workdir, redis_port))
        env = {**os.environ, "BERJASA_DATABASE_URL": url, "BERJASA_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
               "BERJASA_SECRET_KEY": SECRET, "BERJASA_INSTANCE_PATH": str(workdir), "BERJASA_LOG_LEVEL": "WARNING",
               "BERJASA_DB_POOL_SIZE": str(args.threads)}
        time.sleep(0.5)
        cli = [sys.executable, "-m", "workers.cli"]
        subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        processes.append(start([*cli, "worker", "--processes", "2", "--threads", str(args.threads)], env,
                               workdir / "worker.log"))
        processes.append(start([*cli, "scheduler"], env, workdir / "scheduler.log"))
        os.environ.update({k: v for k, v in env.items() if k.startswith("BERJASA_")})
        from berjasa import create_app

        app = create_app()
        limit = commit_rate(url)
        emit(app, 200, 50)  # warm-up: workers connected, queues declared
        wait_handled(url, 200)

        with sa.create_engine(url).begin() as conn:
            conn.execute(sa.text("TRUNCATE processed_messages, outbox, consumer_cursors, case_activity"))
        emit(app, args.events, 50)
        wait_handled(url, args.events)
        seconds, count, last_id = span(url)
        throughput = count / seconds

        total = args.rate * args.seconds
        started = time.perf_counter()
        forked = multiprocessing.get_context("fork")
        paced = [forked.Process(target=emit_paced, args=(k, args.emitters, args.rate, total, started))
                 for k in range(args.emitters)]
        for process in paced:
            process.start()
        for process in paced:
            process.join()
        achieved = total / (time.perf_counter() - started)
        wait_handled(url, args.events + total)
        lat = latencies(url, last_id)
    finally:
        for process in reversed(processes):
            stop(process)
        scratch.close()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"throughput: {throughput:,.0f} events/s ({count} events, commit -> handled, 2 worker processes "
          f"x {args.threads} threads)  target >= 2,000/s: {'met' if throughput >= 2000 else 'NOT met'}")
    print(f"limit (same run): {limit:,.0f} single-connection INSERT+COMMIT/s on this PostgreSQL; "
          f"ratio events/s / commits/s = {throughput / limit:.2f}")
    print(f"latency at {achieved:,.0f} events/s (one event per transaction, {args.emitters} committing processes, "
          f"{len(lat)} events): "
          f"p50 {percentile(lat, 0.5) * 1000:.0f} ms, p99 {percentile(lat, 0.99) * 1000:.0f} ms, "
          f"max {lat[-1] * 1000:.0f} ms  target p99 <= 1 s: {'met' if percentile(lat, 0.99) <= 1 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
