"""The figures /metrics reads from the database when it is scraped: each an indexed query (or a statistic), so a
scrape costs a few milliseconds and no request pays anything for them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from berjasa.db import utcnow
from berjasa.enrolment.models import ImportBatch
from berjasa.events.models import OutboxEvent, ProcessedMessage, Timer
from berjasa.notifications.models import Delivery, DeliveryAttempt
from berjasa.sla.models import Breach, ClockRow

log = logging.getLogger("berjasa.metrics")
#: The tables retention keeps flat: their sizes are shown (PostgreSQL: the statistics' live rows, no scan).
SIZED = (OutboxEvent, ProcessedMessage, Timer, Delivery, DeliveryAttempt)


class DatabaseCollector(Collector):
    """Outbox backlog, tick lag, SLA clocks and breaches, imports in progress and table sizes, read at scrape."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("berjasa_database_up", "Whether /metrics could read the database's figures")
        try:
            with self.session.begin():
                figures = list(_figures(self.session, utcnow()))
        except SQLAlchemyError:
            log.warning("metrics: the database's figures could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures


def _figures(session: Session, now: datetime) -> Iterator[Metric]:
    yield from _outbox(session, now)
    yield _tick_lag(session, now)
    yield from _clocks(session)
    yield from _imports(session)
    pending = GaugeMetricFamily("berjasa_deliveries_pending", "Webhook and e-mail deliveries not yet sent")
    pending.add_metric([], session.scalar(sa.select(sa.func.count()).where(Delivery.status == "pending")))
    yield pending
    yield _sizes(session)


def _outbox(session: Session, now: datetime) -> Iterator[Metric]:
    # both served by the partial index ix_outbox_unpublished
    unpublished = OutboxEvent.published_at.is_(None)
    count = session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent).where(unpublished))
    oldest = session.scalar(sa.select(OutboxEvent.created_at).where(unpublished).order_by(OutboxEvent.id).limit(1))
    backlog = GaugeMetricFamily("berjasa_outbox_unpublished", "Outbox rows not yet published by the relay")
    backlog.add_metric([], count)
    age = GaugeMetricFamily("berjasa_outbox_oldest_unpublished_age_seconds",
                            "Age of the oldest unpublished outbox row (0: none)")
    age.add_metric([], _seconds(now, oldest))
    return iter((backlog, age))


def _tick_lag(session: Session, now: datetime) -> Metric:
    """How long the oldest clock or timer that fell due has waited for a tick (0: nothing waits)."""
    clock = session.scalar(sa.select(sa.func.min(ClockRow.next_at)).where(ClockRow.next_at <= now))  # ix_clocks_next_at
    timer = session.scalar(sa.select(sa.func.min(Timer.due_at))
                           .where(Timer.fired_at.is_(None), Timer.due_at <= now))  # ix_timers_due
    lag = GaugeMetricFamily("berjasa_tick_lag_seconds",
                            "How long the oldest due clock or timer has waited for the tick (0: none waits)",
                            labels=["what"])
    lag.add_metric(["clocks"], _seconds(now, clock))
    lag.add_metric(["timers"], _seconds(now, timer))
    return lag


def _clocks(session: Session) -> Iterator[Metric]:
    # the predicate of the partial index ix_clocks_open_due
    rows = session.execute(
        sa.select(ClockRow.state, ClockRow.warned_at.is_not(None), sa.func.count())
        .where(ClockRow.state.in_(["running", "breached"])).group_by(ClockRow.state, ClockRow.warned_at.is_not(None))
    ).all()
    counts = {"running": 0, "warned": 0, "breached": 0}
    for state, warned, count in rows:
        counts["warned" if state == "running" and warned else state] += count
    clocks = GaugeMetricFamily("berjasa_sla_clocks",
                               "Open SLA clocks: running (not yet warned), warned (running, warning given), breached",
                               labels=["state"])
    for state, count in counts.items():
        clocks.add_metric([state], count)
    breaches = CounterMetricFamily("berjasa_sla_breaches",
                                   "SLA breaches recorded so far (rate() gives the breach rate)")
    breaches.add_metric([], session.scalar(sa.select(sa.func.count()).select_from(Breach)))
    return iter((clocks, breaches))


def _imports(session: Session) -> Iterator[Metric]:
    """Rows read and to read of each import that is queued or running (there are few)."""
    rows = session.execute(sa.select(ImportBatch.id, ImportBatch.status, ImportBatch.total, ImportBatch.done)
                           .where(ImportBatch.status.in_(["queued", "running"])).order_by(ImportBatch.id)).all()
    total = GaugeMetricFamily("berjasa_import_rows", "Rows of each import in progress", labels=["batch"])
    done = GaugeMetricFamily("berjasa_import_rows_done", "Rows of each import in progress handled so far",
                             labels=["batch"])
    for batch_id, _status, rows_total, rows_done in rows:
        total.add_metric([str(batch_id)], rows_total or 0)
        done.add_metric([str(batch_id)], rows_done or 0)
    running = GaugeMetricFamily("berjasa_imports_in_progress", "Imports queued or running")
    running.add_metric([], len(rows))
    return iter((running, total, done))


def _sizes(session: Session) -> Metric:
    sizes = GaugeMetricFamily("berjasa_table_rows", "Rows in the tables retention prunes (PostgreSQL: live rows as "
                              "the statistics count them, seconds behind)",
                              labels=["table"])
    names = [model.__tablename__ for model in SIZED]
    if session.get_bind().dialect.name == "postgresql":
        # the statistics system's live-row count: kept up by every INSERT and DELETE (seconds behind), no scan
        estimates = dict(session.execute(sa.text(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables "
            "WHERE relname = ANY(:names) AND pg_table_is_visible(relid)"), {"names": names}).all())
    else:
        estimates = {name: session.scalar(sa.text(f"SELECT count(*) FROM {name}")) for name in names}
    for name in names:
        sizes.add_metric([name], estimates.get(name, 0))
    return sizes


def _seconds(now: datetime, then: datetime | None) -> float:
    if then is None:
        return 0.0
    if then.tzinfo is None:  # SQLite's aggregates come back as naive UTC
        from datetime import UTC

        then = then.replace(tzinfo=UTC)
    return max(0.0, (now - then).total_seconds())
