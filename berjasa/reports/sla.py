"""SLA scorecards: per group (party, hospital, kecamatan, policy) and period, what the clocks did, read from the
monthly aggregates (report_sla_counts, report_sla_used) and, for what is overdue now, the open clocks' index.

Counted by the month in which each thing happened (WITA): a clock's start by its start month, its end by its stop
month, a breach by its breach month (its due time). "closed" = met on time + met late + cancelled after it had
breached (a clock cancelled before its due time, because the case ended, is not judged). Compliance = met on time
/ closed. Time used is the share of the target a met clock took (paused time not counted), in percent to the
nearest 5 (25 above 200%); its median and p90 are nearest-rank, worked out in the database from the histograms
(berjasa/reports/histogram.py): a supervisor's from report_sla_used_by, a scoped caller's from report_sla_used."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import read_only, utcnow
from berjasa.parties.models import Party
from berjasa.registry.models import Kecamatan
from berjasa.reports import histogram
from berjasa.reports.models import SlaCounts, SlaUsed, SlaUsedBy
from berjasa.reports.periods import Period, add_months, month_end, months, periods
from berjasa.sla import policies as policy_store
from berjasa.sla.models import ClockRow
from berjasa.time import wita_iso
from workflows.roles import Role

GROUPS = ("party", "hospital", "kecamatan", "policy")
COUNTED = ("started", "met_on_time", "met_late", "cancelled", "cancelled_late", "breached", "breached_open",
           "justified")
PARTY_NAMES = {"disnaker": "Disnaker Kota Makassar", "bpjs": "BPJS Ketenagakerjaan", "hospital": "PLKK hospitals"}
TREND_MONTHS = 12
TOTAL = "total"
NONE = (None, None)
#: Callers who see their own party's clocks only.
SCOPED = (Role.BPJS_OFFICER, Role.HOSPITAL_STAFF)
_counts, _used, _by, _clocks = SlaCounts.__table__, SlaUsed.__table__, SlaUsedBy.__table__, ClockRow.__table__


def scorecard(*, session: Session, actor: Actor, group_by: str, first: date, last: date, interval: str,
              now: datetime | None = None) -> dict[str, Any]:
    """The scorecard of months `first`..`last` (first days) grouped by `group_by`, cut into `interval`s, with each
    group's 12-month trend up to `last` and what is overdue now. BPJS officers and hospital staff see their own."""
    now = now or utcnow()
    trend_from = min(first, add_months(last, 1 - TREND_MONTHS))
    cut = periods(first, last, interval)
    with read_only(session):
        counts = _monthly_counts(session, actor, group_by, trend_from, last)
        used = _percentiles(session, actor, group_by, first, last, cut)
        overdue = _overdue(session, actor, group_by, now)
        labels = _labels(session, group_by)
    groups = sorted(set(counts) | {group for group, _period in used} | set(overdue), key=lambda g: (g is None, str(g)))
    return {
        "group_by": group_by, "interval": interval, "from": first.isoformat(), "to": month_end(last).isoformat(),
        "generated_at": wita_iso(now),
        "groups": [{
            "group": labels.get(group, (group, None))[0], "name": labels.get(group, (group, None))[1],
            "overdue_now": overdue.get(group, 0),
            "total": metrics(_sum(counts.get(group, {}), first, last), used.get((group, TOTAL), NONE)),
            "periods": [{"period": p.label, "from": p.first.isoformat(), "to": p.end.isoformat(),
                         **metrics(_sum(counts.get(group, {}), p.first, p.last), used.get((group, p.label), NONE))}
                        for p in cut],
            "trend": [{"month": f"{month:%Y-%m}", **_trend(counts.get(group, {}).get(month, Counter()))}
                      for month in months(add_months(last, 1 - TREND_MONTHS), last)],
        } for group in groups],
    }


def metrics(counted: Mapping[str, int], used: tuple[int | None, int | None]) -> dict[str, Any]:
    """The figures of one group and period, from its counts and the median and p90 of its time used."""
    closed = counted.get("met_on_time", 0) + counted.get("met_late", 0) + counted.get("cancelled_late", 0)
    return {
        **{name: counted.get(name, 0) for name in COUNTED},
        "closed": closed,
        "compliance_pct": round(100 * counted.get("met_on_time", 0) / closed, 1) if closed else None,
        "used_median_pct": used[0], "used_p90_pct": used[1],
    }


def _trend(counted: Mapping[str, int]) -> dict[str, Any]:
    figures = metrics(counted, NONE)
    return {name: figures[name] for name in ("started", "closed", "met_on_time", "breached", "compliance_pct")}


# ---------------------------------------------------------------- queries
def _group_column(table: sa.Table, group_by: str) -> sa.ColumnElement:
    if group_by == "hospital":
        return table.c.hospital_id
    return table.c.kecamatan_code if group_by == "kecamatan" and table is _clocks else table.c[group_by]


def _scoped(query: sa.Select, table: sa.Table, actor: Actor, group_by: str) -> sa.Select:
    """BPJS officers: BPJS's clocks; hospital staff: their hospital's; a hospital grouping: hospitals' clocks."""
    if actor.role is Role.BPJS_OFFICER:
        query = query.where(table.c.party == "bpjs")
    elif actor.role is Role.HOSPITAL_STAFF:
        query = query.where(table.c.party == "hospital", table.c.hospital_id == actor.party_id)
    if group_by == "hospital":
        query = query.where(table.c.party == "hospital")
    return query


def _monthly_counts(session: Session, actor: Actor, group_by: str, first: date, last: date
                    ) -> dict[Any, dict[date, Counter]]:
    group = _group_column(_counts, group_by)
    query = (sa.select(group, _counts.c.month, *(sa.func.sum(_counts.c[name]) for name in COUNTED))
             .where(_counts.c.month.between(first, last)).group_by(group, _counts.c.month))
    found: dict[Any, dict[date, Counter]] = defaultdict(dict)
    for key, month, *sums in session.execute(_scoped(query, _counts, actor, group_by)):
        found[_key(key)][month] = Counter(dict(zip(COUNTED, (int(s or 0) for s in sums), strict=True)))
    return found


def _percentiles(session: Session, actor: Actor, group_by: str, first: date, last: date, cut: list[Period]
                 ) -> dict[tuple[Any, str], tuple[int | None, int | None]]:
    """The median and p90 of time used per group and period (and TOTAL), computed in the database."""
    if actor.role in SCOPED:
        table = _used
        rows = _scoped(sa.select(_group_column(_used, group_by).label("g"), _used.c.month, _used.c.bucket, _used.c.n),
                       _used, actor, group_by)
    else:  # every party together: the smaller rollup, one grouping at a time
        table = _by
        rows = sa.select(_by.c.value.label("g"), _by.c.month, _by.c.bucket, _by.c.n).where(_by.c.dim == group_by)
        if group_by == "hospital":
            rows = rows.where(_by.c.value != "0")
    rows = rows.where(table.c.month.between(first, last)).subquery("used")
    period = sa.case(*((rows.c.month.between(p.first, p.last), p.label) for p in cut), else_=TOTAL)
    by_period = (sa.select(rows.c.g, period.label("period"), rows.c.bucket, sa.func.sum(rows.c.n).label("n"))
                 .group_by(rows.c.g, period, rows.c.bucket))
    whole = (sa.select(rows.c.g, sa.literal(TOTAL).label("period"), rows.c.bucket, sa.func.sum(rows.c.n).label("n"))
             .group_by(rows.c.g, rows.c.bucket))
    found = {}
    for summed in (by_period, whole):
        for key, name, median, p90, _n in session.execute(histogram.percentile_query(summed, ["g", "period"],
                                                                                     (50, 90))):
            found[(_key(key, group_by), name)] = (median, p90)
    return found


def _overdue(session: Session, actor: Actor, group_by: str, now: datetime) -> dict[Any, int]:
    """Open clocks past their due time now, from the index of open clocks."""
    group = _group_column(_clocks, group_by)
    query = (sa.select(group, sa.func.count()).where(_clocks.c.state.in_(["running", "breached"]),
                                                     _clocks.c.due_at <= now).group_by(group))
    return {_key(key): int(n) for key, n in session.execute(_scoped(query, _clocks, actor, group_by))}


def _labels(session: Session, group_by: str) -> dict[Any, tuple[Any, str]]:
    """Each group's (code shown, name): a hospital is shown by its code, the rest by their own key."""
    if group_by == "party":
        return {key: (key, name) for key, name in PARTY_NAMES.items()}
    if group_by == "hospital":
        return {id_: (code, name) for id_, code, name in session.execute(sa.select(Party.id, Party.code, Party.name))}
    if group_by == "kecamatan":
        return {code: (code, name) for code, name in session.execute(sa.select(Kecamatan.code, Kecamatan.name))}
    return {p.name: (p.name, p.description) for p in policy_store.in_force()}


def _key(value: Any, group_by: str | None = None) -> Any:
    """A group's key as the report shows it: none for '' and 0 (no kecamatan, no hospital); hospitals by id."""
    if value in ("", 0, "0", None):
        return None
    return int(value) if group_by == "hospital" else value


def _sum(by_month: Mapping[date, Counter], first: date, last: date) -> Counter:
    total: Counter = Counter()
    for month, counted in by_month.items():
        if first <= month <= last:
            total.update(counted)
    return total
