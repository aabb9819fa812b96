"""End-to-end event throughput and latency on the production stack:
commit -> outbox -> relay (berjasa scheduler) -> Redis -> actor (berjasa worker, 2 processes) -> processed row.

    .venv/bin/python bench/events.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

It makes a scratch database and its own redis-server, and prints:
- events/s when events are committed as fast as possible (target >= 2,000/s);
- p50/p99 latency from commit to handled at a steady 500 events/s (target p99 <= 1 s);
- the limit measured in the same run: single-connection INSERT+COMMIT rate of the same PostgreSQL.
With --metrics it also runs the API (gunicorn) on the same database and Redis, scrapes its /metrics, the worker's
and the scheduler's every 0.5 s, and prints what they showed (backlog, relay lag, consumers, ticks).
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

from procs import free_port, scratch_database, start, start_redis, stop, wait_port  # noqa: E402
from scrape import Scraper, quantile, total  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
METRICS_TOKEN = "bench-metrics-" + "m" * 20








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
    parser.add_argument("--metrics", action="store_true",
                        help="also run the API (gunicorn) and scrape its /metrics, the worker's and the scheduler's "
                             "every 0.5 s while the benchmark runs; print what they showed")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BERJASA_TEST_DATABASE_URL) is required")
    scratch = contextlib.ExitStack()
    url = scratch.enter_context(scratch_database(args.database_url))
    workdir = Path(tempfile.mkdtemp(prefix="berjasa-bench-"))
    redis_port = free_port()
    processes = []
    scraper = None
    try:
        processes.append(start_redis(workdir, redis_port))
        env = {**os.environ, "BERJASA_DATABASE_URL": url, "BERJASA_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
               "BERJASA_SECRET_KEY": SECRET, "BERJASA_INSTANCE_PATH": str(workdir), "BERJASA_LOG_LEVEL": "WARNING",
               "BERJASA_DB_POOL_SIZE": str(args.threads), "BERJASA_METRICS_TOKEN": METRICS_TOKEN,
               "BERJASA_WORKER_METRICS_PORT": str(free_port()), "BERJASA_SCHEDULER_METRICS_PORT": str(free_port())}
        time.sleep(0.5)
        cli = [sys.executable, "-m", "workers.cli"]
        subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        processes.append(start([*cli, "worker", "--processes", "2", "--threads", str(args.threads)], env,
                               workdir / "worker.log"))
        processes.append(start([*cli, "scheduler"], env, workdir / "scheduler.log"))
        if args.metrics:
            api_port = free_port()
            processes.append(start([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{api_port}", "--workers",
                                    "2", "wsgi:app"], env, workdir / "gunicorn.log"))
            for port in (api_port, env["BERJASA_WORKER_METRICS_PORT"], env["BERJASA_SCHEDULER_METRICS_PORT"]):
                wait_port(int(port))
            scraper = Scraper([("api", f"http://127.0.0.1:{api_port}/metrics", METRICS_TOKEN),
                               ("worker", f"http://127.0.0.1:{env['BERJASA_WORKER_METRICS_PORT']}/metrics", None),
                               ("scheduler", f"http://127.0.0.1:{env['BERJASA_SCHEDULER_METRICS_PORT']}/metrics",
                                None)])
            scraper.start()
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
        if scraper is not None:
            time.sleep(2)  # a tick or two after the last event, so the gauges settle
            scraper.stop()
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
    if scraper is not None:
        print_metrics(scraper)
    return 0


def print_metrics(scraper: Scraper) -> None:
    """What the API's /metrics, the worker's and the scheduler's ports showed while the benchmark ran."""
    api, worker, scheduler = (scraper.last(name) for name in ("api", "worker", "scheduler"))
    print(f"metrics while it ran ({len(scraper.scrapes['api'])} scrapes of each process, every 0.5 s; "
          f"{len(scraper.failures)} failed):")
    print(f"  API /metrics: outbox backlog peak {scraper.peak('api', 'berjasa_outbox_unpublished'):,.0f} rows, "
          f"oldest unpublished peak {scraper.peak('api', 'berjasa_outbox_oldest_unpublished_age_seconds'):.1f} s, "
          f"now {total(api, 'berjasa_outbox_unpublished'):,.0f} rows; tick lag peak "
          f"{scraper.peak('api', 'berjasa_tick_lag_seconds'):.1f} s; table rows {{"
          + ", ".join(f"{dict(ls)['table']}: {v:,.0f}" for (n, ls), v in sorted(api.items(), key=str)
                      if n == "berjasa_table_rows") + "}; database up " + f"{total(api, 'berjasa_database_up'):.0f}")
    print(f"  scheduler: relay published {total(scheduler, 'berjasa_relay_published_total'):,.0f} rows, lag p50 <= "
          f"{quantile(scheduler, 'berjasa_relay_lag_seconds', 0.5)} s, p99 <= "
          f"{quantile(scheduler, 'berjasa_relay_lag_seconds', 0.99)} s; "
          f"{total(scheduler, 'berjasa_scheduler_ticks_sent_total'):.0f} ticks sent, "
          f"{total(scheduler, 'berjasa_relay_failures_total'):.0f} relay failures")
    done = total(worker, "berjasa_consumer_events_total", consumer="case_activity", outcome="done")
    duplicates = total(worker, "berjasa_consumer_events_total", outcome="duplicate")
    print(f"  worker: case_activity {done:,.0f} events done, {duplicates:,.0f} duplicates, "
          f"{total(worker, 'berjasa_consumer_failures_total'):.0f} failures; handling p95 <= "
          f"{quantile(worker, 'berjasa_consumer_message_seconds', 0.95, consumer='case_activity')} s per message; "
          f"Dramatiq: {total(worker, 'dramatiq_messages_total'):,.0f} messages, "
          f"{total(worker, 'dramatiq_message_errors_total'):.0f} errors, "
          f"{total(worker, 'dramatiq_message_retries_total'):.0f} retries; "
          f"{total(worker, 'berjasa_tick_duration_seconds_count'):.0f} ticks run")


if __name__ == "__main__":
    raise SystemExit(main())
