"""Notification fan-out and latency on PostgreSQL (+ Redis for the latency):

    flock /work/notes/bench.lock .venv/bin/python bench/notifications.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

It makes a scratch database (demo parties and users), and prints:
- fan-out: 10,000 `sla.breached` events (the kind a holiday override moving many clocks makes) handed to the
  notifications consumer in batches of 50 as the relay sends them (dedupe bookkeeping, rules, recipients, the
  INSERT ... ON CONFLICT DO NOTHING, the first reminders' timer rows) by 2 processes, as `berjasa worker` runs
  by default, as inbox rows/s (and one process alone, on another 5,000 events, for scale), next to the limit
  measured in the same run: a raw bulk INSERT (executemany, one transaction) of the same rows into a copy of the
  table; target ratio >= 0.3;
- latency: event committed -> inbox entry written (its notifications' created_at, in the consumer's transaction)
  at a steady 200 events/s, one event per transaction, through the relay (berjasa scheduler), Redis and
  2 worker processes; target p99 <= 2 s.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from procs import free_port, scratch_database, start, start_redis, stop  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
BATCH = 50


def breach(serial: int, parties: dict[str, int]) -> dict:
    """An sla.breached payload as the tick writes it: a third each for Disnaker, BPJS and a hospital."""
    party = ("disnaker", "bpjs", "hospital")[serial % 3]
    due = datetime(2026, 8, 5, 4, 0, tzinfo=UTC) + timedelta(minutes=serial % 600)
    return {"clock_id": serial, "policy": "claim.bpjs_decision", "run": 1, "party": party,
            "hospital_id": parties["RS-PRIMAYA"] if party == "hospital" else None, "kecamatan": "09",
            "case_type": "claim", "case_id": serial, "due_at": due.isoformat(), "warn_at": None,
            "escalate_at": (due + timedelta(days=5)).isoformat(), "lateness_seconds": 0.0,
            "source": "Permenaker 5/2021"}


def events(count: int, parties: dict[str, int]):
    from berjasa.events.contract import Event

    now = datetime.now(UTC)
    return [Event(uuid.uuid4().hex, "sla.breached", "claim", 10**6 + i, None, breach(10**6 + i, parties), now)
            for i in range(count)]


def fan_out(app, count: int, processes: int) -> tuple[float, int]:
    """Hand `count` events to the consumer as the relay would (batches of 50), in `processes` processes as
    `berjasa worker` runs it; return the seconds until all are handled and the rows made."""
    from berjasa.db import db

    todo = events(count, party_ids(app))
    with app.app_context():
        db.engine.dispose()  # no connection shared with the forked processes
    batches = [todo[first:first + BATCH] for first in range(0, count, BATCH)]
    forked = multiprocessing.get_context("fork")
    started = time.perf_counter()
    workers = [forked.Process(target=handle, args=(app, batches[k::processes])) for k in range(processes)]
    for process in workers:
        process.start()
    for process in workers:
        process.join()
    return time.perf_counter() - started, rows_of(app, "notifications")


def handle(app, batches) -> None:
    from berjasa.db import db
    from workers.consumer import handle_batch
    from workers.notifications import notify_events

    with app.app_context():
        db.engine.dispose(close=False)
    for batch in batches:
        handle_batch("notifications", notify_events, batch, batch=True, ordered=False)


def raw_insert(app, skip: int) -> float:
    """The limit: the same rows, inserted raw (one executemany, one transaction) into a copy of the table."""
    from berjasa.db import db

    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE bench_notifications (LIKE notifications INCLUDING ALL)"))
        rows = [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT event_id, event_type, rule, recipient, audience_role, audience_party_id, case_type, case_id, "
            "params::text AS params, created_at FROM notifications ORDER BY id OFFSET :skip"), {"skip": skip})]
    insert = sa.text("INSERT INTO bench_notifications (event_id, event_type, rule, recipient, audience_role, "
                     "audience_party_id, case_type, case_id, params, created_at) VALUES (:event_id, :event_type, "
                     ":rule, :recipient, :audience_role, :audience_party_id, :case_type, :case_id, "
                     "CAST(:params AS jsonb), :created_at)")
    with app.app_context(), db.engine.connect() as conn:
        started = time.perf_counter()
        with conn.begin():
            conn.execute(insert, rows)
        return time.perf_counter() - started


def party_ids(app) -> dict[str, int]:
    from berjasa.db import db
    from berjasa.parties.models import Party

    with app.app_context(), db.new_session() as session, session.begin():
        return dict(session.execute(sa.select(Party.code, Party.id)).tuples().all())


def rows_of(app, table: str) -> int:
    from berjasa.db import db

    with app.app_context(), db.engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def emit_paced(k: int, emitters: int, rate: int, total: int, started: float, parties: dict[str, int]) -> None:
    """Emitter k of `emitters`: one sla.breached per transaction, its share of `rate` events/s."""
    from berjasa import create_app
    from berjasa.db import db
    from berjasa.events.outbox import emit
    from berjasa.transaction import unit_of_work

    app = create_app()
    with app.app_context(), db.new_session() as session:
        for i in range(k, total, emitters):
            pause = started + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            with unit_of_work(session):
                emit(session, "sla.breached", case_type="claim", case_id=2 * 10**6 + i,
                     payload=breach(2 * 10**6 + i, parties), plain=True)


def latencies(url: str, since: datetime) -> list[float]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        values = conn.execute(sa.text(
            "SELECT EXTRACT(EPOCH FROM (min(n.created_at) - o.created_at)) FROM outbox o "
            "JOIN notifications n ON n.event_id = o.event_id WHERE o.event_type = 'sla.breached' "
            "AND o.created_at >= :since GROUP BY o.id, o.created_at ORDER BY 1"), {"since": since}).scalars().all()
    engine.dispose()
    return [float(v) for v in values]


def wait_notified(url: str, since: datetime, total: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while len(latencies(url, since)) < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(latencies(url, since))} of {total} events notified in {timeout:.0f}s")
        time.sleep(0.5)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BERJASA_TEST_DATABASE_URL"))
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BERJASA_TEST_DATABASE_URL) is required")
    scratch = contextlib.ExitStack()
    url = scratch.enter_context(scratch_database(args.database_url))
    workdir = Path(tempfile.mkdtemp(prefix="berjasa-bench-"))
    redis_port = free_port()
    processes = []
    try:
        env = {**os.environ, "BERJASA_DATABASE_URL": url, "BERJASA_SECRET_KEY": SECRET,
               "BERJASA_INSTANCE_PATH": str(workdir), "BERJASA_LOG_LEVEL": "WARNING",
               "BERJASA_DB_POOL_SIZE": str(args.threads)}
        cli = [sys.executable, "-m", "workers.cli"]
        subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        os.environ.update({k: v for k, v in env.items() if k.startswith("BERJASA_")})
        from berjasa import create_app, demo
        from berjasa.db import db
        from workers.app import use_app

        app = create_app()
        use_app(app)
        with app.app_context(), db.new_session() as session:
            demo.seed(session=session, secret_key=SECRET)
        parties = party_ids(app)
        single_seconds, single = fan_out(app, args.events // 2, 1)
        fan_seconds, made = fan_out(app, args.events, 2)
        made -= single
        raw_seconds = raw_insert(app, single)

        # the latency run: the production stack
        processes.append(start_redis(workdir, redis_port))
        env["BERJASA_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        os.environ["BERJASA_BROKER_URL"] = env["BERJASA_BROKER_URL"]
        time.sleep(0.5)
        processes.append(start([*cli, "worker", "--processes", "2", "--threads", str(args.threads)], env,
                               workdir / "worker.log"))
        processes.append(start([*cli, "scheduler"], env, workdir / "scheduler.log"))
        time.sleep(3)  # workers connected, queues declared
        since = datetime.now(UTC)
        total = args.rate * args.seconds
        started = time.perf_counter()
        forked = multiprocessing.get_context("fork")
        paced = [forked.Process(target=emit_paced, args=(k, 2, args.rate, total, started, parties)) for k in range(2)]
        for process in paced:
            process.start()
        for process in paced:
            process.join()
        achieved = total / (time.perf_counter() - started)
        wait_notified(url, since, total)
        lat = latencies(url, since)
    finally:
        for process in reversed(processes):
            stop(process)
        scratch.close()
        shutil.rmtree(workdir, ignore_errors=True)

    fan_rate, raw_rate = made / fan_seconds, made / raw_seconds
    print(f"fan-out: {args.events:,} sla.breached events -> {made:,} inbox rows in {fan_seconds:.2f} s = "
          f"{fan_rate:,.0f} rows/s (consumer batches of {BATCH}, 2 processes as `berjasa worker` runs; one process "
          f"alone: {single / single_seconds:,.0f} rows/s)")
    met = "met" if fan_rate >= 0.3 * raw_rate else "NOT met"
    print(f"limit (same run): raw bulk INSERT of the same {made:,} rows in {raw_seconds:.2f} s = {raw_rate:,.0f} "
          f"rows/s; ratio {fan_rate / raw_rate:.2f} (one process: {single / single_seconds / raw_rate:.2f})  "
          f"target >= 0.3: {met}")
    p99 = percentile(lat, 0.99)
    print(f"latency at {achieved:,.0f} events/s (one sla.breached per transaction, 2 committing processes, "
          f"{len(lat)} events, 2 worker processes x {args.threads} threads): commit -> inbox entry "
          f"p50 {percentile(lat, 0.5) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms  "
          f"target p99 <= 2 s: {'met' if p99 <= 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
