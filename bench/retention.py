"""Soak: the retention job keeps the event path's tables flat over 100,000 events.

    flock /work/notes/bench.lock .venv/bin/python bench/retention.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

On a scratch PostgreSQL database, with the clock moved one simulated day at a time (time-machine), each day:
EVENTS_PER_DAY events are committed through the outbox, the real relay (`relay_once`) hands them to the stub broker,
each message is run by its real actor (case_activity; notifications for timers), TIMERS_PER_DAY timers fall due
and the real tick actor fires them and prunes (BERJASA_RETENTION_DAYS = 30, RETENTION_BATCH = 1000). It prints
the row counts of outbox, processed_messages and timers every 10 days, before and after the soak, next to what
they would hold without pruning, and the plateau's ratio (day 100 / day 40: 1.00 is flat). The limit measured in
the same run: the time the tick's pruning took against the time the same days' writes took.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import time_machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from procs import scratch_database  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
TABLES = ("outbox", "processed_messages", "timers")


def counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.scalar(sa.text(f"SELECT count(*) FROM {name}")) for name in TABLES}


def write_day(app, events: int, timers: int, day: int, now: datetime) -> None:
    """The day's events, committed 50 per transaction as a busy API would, and timers due an hour later."""
    from berjasa.db import db
    from berjasa.events.models import Timer
    from berjasa.events.outbox import emit
    from berjasa.transaction import unit_of_work

    with app.app_context(), db.new_session() as session:
        for start in range(0, events, 50):
            with unit_of_work(session):
                for i in range(start, min(events, start + 50)):
                    emit(session, "bench.event", case_type="bench", case_id=day * 100_000 + i, case_version=1,
                         plain=True)
        with unit_of_work(session):
            session.execute(sa.insert(Timer), [{"kind": "bench", "case_type": "bench", "case_id": day,
                                                "due_at": now + timedelta(hours=1), "payload": {"n": n},
                                                "created_at": now} for n in range(timers)])


def relay_and_handle(app) -> int:
    """The relay publishes every unpublished row to the stub broker; each message is run by its actor."""
    import dramatiq
    from dramatiq import Message

    from berjasa.db import db
    from workers import relay

    broker = dramatiq.get_broker()
    with app.app_context(), db.new_session() as session:
        while relay.relay_once(session, batch=1000):
            pass
    handled = 0
    for name, queue in broker.queues.items():
        while not queue.empty():
            message = Message.decode(queue.get_nowait())
            broker.get_actor(message.actor_name).fn(*message.args, **message.kwargs)
            handled += 1
        del name
    return handled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BERJASA_TEST_DATABASE_URL"))
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--timers-per-day", type=int, default=100)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BERJASA_TEST_DATABASE_URL) is required")
    per_day = args.events // args.days
    with scratch_database(args.database_url) as url:
        os.environ.update(BERJASA_DATABASE_URL=url, BERJASA_SECRET_KEY=SECRET, BERJASA_BROKER_URL="",
                          BERJASA_LOG_LEVEL="WARNING", BERJASA_INSTANCE_PATH="/tmp/berjasa-bench-retention")
        from berjasa import create_app, migrate
        from berjasa.db import db
        from workers import actors
        from workers.app import use_app

        app = create_app()
        with app.app_context():
            migrate.upgrade(db.engine)
            engine = db.engine
        use_app(app)
        start = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 WITA
        table = [("before", 0, counts(engine))]
        written = pruned = 0.0
        for day in range(1, args.days + 1):
            morning = start + timedelta(days=day)
            with time_machine.travel(morning, tick=False):
                began = time.perf_counter()
                write_day(app, per_day, args.timers_per_day, day, morning)
                relay_and_handle(app)
                written += time.perf_counter() - began
            with time_machine.travel(morning + timedelta(hours=2), tick=False):
                began = time.perf_counter()
                actors.tick.fn()  # fires the day's timers, and prunes what is past the retention
                pruned += time.perf_counter() - began
                relay_and_handle(app)  # the timer.due events
            if day % 10 == 0:
                table.append((f"day {day}", day * per_day, counts(engine)))
        with app.app_context():
            db.engine.dispose()

    days_kept = 30
    print(f"soak: {args.days} simulated days x {per_day:,} events + {args.timers_per_day} timers a day "
          f"({args.days * per_day:,} events), BERJASA_RETENTION_DAYS={days_kept}, PostgreSQL")
    print(f"{'':>8} {'events so far':>14} {'outbox':>9} {'processed':>10} {'timers':>8}   without pruning: outbox")
    timer_events = args.timers_per_day
    for label, events, rows in table:
        day = events // per_day if per_day else 0
        unpruned = events + day * timer_events
        print(f"{label:>8} {events:>14,} {rows['outbox']:>9,} {rows['processed_messages']:>10,} "
              f"{rows['timers']:>8,}   {unpruned:>9,}")
    at_40 = next(rows for label, _, rows in table if label == "day 40")
    final = table[-1][2]
    flat = final["outbox"] / at_40["outbox"]
    print(f"plateau: outbox rows at day {args.days} / day 40 = {flat:.2f} (1.00 is flat; without pruning "
          f"{args.days / 40:.2f}); processed {final['processed_messages'] / at_40['processed_messages']:.2f}, "
          f"timers {final['timers'] / at_40['timers']:.2f}")
    print(f"cost: the ticks (firing timers and pruning) took {pruned:.1f} s against {written:.1f} s for the days' "
          f"writes, relay and consumers (ratio {pruned / written:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
