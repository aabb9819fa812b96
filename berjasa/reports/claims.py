"""The claims report: claims reported in the months asked for, by where they stand now, accident type, kecamatan
and hospital; the decisions and payments made in those months, benefits per line; and how long things took, in
days (accident to report by report month, report to BPJS's first decision by decision month, complete documents to
payment by payment month), as nearest-rank median and p90 over two-significant-figure buckets.

A claim's hospital is its treating hospital, or the hospital that reported it before any admitted it. Read from
the monthly aggregates (report_claim_*), never from the claims themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.claims.models import AccidentType
from berjasa.claims.schemas import BENEFIT_LINES
from berjasa.db import read_only, utcnow
from berjasa.parties.models import Party
from berjasa.registry.models import Kecamatan
from berjasa.reports import histogram
from berjasa.reports.models import ClaimCounts, ClaimDurations, ClaimFlows
from berjasa.reports.periods import month_end
from berjasa.time import wita_iso
from workflows.claim import ClaimState
from workflows.roles import Role

MEASURES = ("accident_to_report", "report_to_decision", "documents_to_payment")
_counts, _flows, _durations = ClaimCounts.__table__, ClaimFlows.__table__, ClaimDurations.__table__


def claims_report(*, session: Session, actor: Actor, first: date, last: date,
                  now: datetime | None = None) -> dict[str, Any]:
    """The report of months `first`..`last` (first days). Hospital staff see their hospital's claims only."""
    query = _Query(session, actor, first, last)
    with read_only(session):
        reported = {by: query.counts(by) for by in ("state", "accident_type", "kecamatan", "hospital_id")}
        flows = {by: query.flows(by) for by in (None, "kecamatan", "hospital_id")}
        durations = {by: query.durations(by) for by in (None, "kecamatan", "hospital_id")}
        kecamatan = dict(session.execute(sa.select(Kecamatan.code, Kecamatan.name)).tuples().all())
        hospitals = {i: (code, name) for i, code, name in session.execute(sa.select(Party.id, Party.code, Party.name))}

    def group(by: str, key: Any) -> dict[str, Any]:
        mine = flows[by].get(key, {})
        return {"claims": reported[by].get(key, 0),
                "decided": _n(mine, "decision.verified") + _n(mine, "decision.rejected"),
                "paid": _n(mine, "paid"), "paid_amount": _amount(mine, "paid"),
                "durations": _figures(durations[by].get(key, {}))}

    every = flows[None].get(None, {})
    return {
        "from": first.isoformat(), "to": month_end(last).isoformat(), "generated_at": wita_iso(now or utcnow()),
        "reported": sum(reported["state"].values()),
        "by_state": [{"state": s.value, "claims": reported["state"].get(s.value, 0)} for s in ClaimState],
        "by_accident_type": [{"accident_type": t.value, "claims": reported["accident_type"].get(t.value, 0)}
                             for t in AccidentType],
        "by_kecamatan": [{"kecamatan": key or None, "name": kecamatan.get(key, "unknown NIK"),
                          **group("kecamatan", key)} for key in _keys(reported, flows, durations, "kecamatan")],
        "by_hospital": [{"hospital": hospitals.get(key, (None, None))[0], "name": hospitals.get(key, (None, None))[1],
                         **group("hospital_id", key)} for key in _keys(reported, flows, durations, "hospital_id")
                        if key],
        "decisions": {"verified": _n(every, "decision.verified"), "rejected": _n(every, "decision.rejected")},
        "paid": {"claims": _n(every, "paid"), "amount": _amount(every, "paid")},
        "benefits": [{"line": line, "claims": _n(every, f"benefit.{line}"), "amount": _amount(every, f"benefit.{line}")}
                     for line in BENEFIT_LINES],
        "durations": _figures(durations[None].get(None, {})),
    }


def _figures(by_measure: Mapping[str, tuple[int, int, int]]) -> dict[str, Any]:
    """Per measure: how many, and the median and p90 in days (from their buckets)."""
    figures = {}
    for measure in MEASURES:
        median, p90, n = by_measure.get(measure, (None, None, 0))
        figures[measure] = {"claims": int(n or 0),
                            "median_days": None if median is None else histogram.value_of(median),
                            "p90_days": None if p90 is None else histogram.value_of(p90)}
    return figures


def _n(flows: Mapping[str, tuple[int, int]], kind: str) -> int:
    return flows.get(kind, (0, 0))[0]


def _amount(flows: Mapping[str, tuple[int, int]], kind: str) -> int:
    return flows.get(kind, (0, 0))[1]


def _keys(*tables_and_column: Any) -> list[Any]:
    *tables, column = tables_and_column
    return sorted({key for table in tables for key in table[column]}, key=str)


class _Query:
    """Sums of the monthly aggregates over the months asked for, grouped one way each (in the caller's read)."""

    def __init__(self, session: Session, actor: Actor, first: date, last: date) -> None:
        self.session, self.actor, self.first, self.last = session, actor, first, last

    def counts(self, by: str) -> dict[Any, int]:
        return {key: int(n) for key, n in self._run(_counts, [by], sa.func.sum(_counts.c.n))}

    def flows(self, by: str | None) -> dict[Any, dict[str, tuple[int, int]]]:
        found: dict[Any, dict[str, tuple[int, int]]] = defaultdict(dict)
        for *key, kind, n, amount in self._run(_flows, [*([by] if by else []), "kind"], sa.func.sum(_flows.c.n),
                                               sa.func.sum(_flows.c.amount)):
            found[key[0] if by else None][kind] = (int(n), int(amount))
        return found

    def durations(self, by: str | None) -> dict[Any, dict[str, tuple[int, int, int]]]:
        """Per group and measure: the median's and p90's buckets and the count, worked out in the database."""
        keys = [*([by] if by else []), "measure"]
        summed = self._query(_durations, [*keys, "bucket"], sa.func.sum(_durations.c.n).label("n"))
        found: dict[Any, dict[str, tuple[int, int, int]]] = defaultdict(dict)
        for *key, measure, median, p90, n in self.session.execute(histogram.percentile_query(summed, keys, (50, 90))):
            found[key[0] if by else None][measure] = (median, p90, n)
        return found

    def _run(self, table: sa.Table, keys: list[str], *sums: Any) -> list[Any]:
        return self.session.execute(self._query(table, keys, *sums)).all()

    def _query(self, table: sa.Table, keys: list[str], *sums: Any) -> sa.Select:
        columns = [table.c[k] for k in keys]
        query = sa.select(*columns, *sums).where(table.c.month.between(self.first, self.last)).group_by(*columns)
        if self.actor.role is Role.HOSPITAL_STAFF:
            query = query.where(table.c.hospital_id == self.actor.party_id)
        return query
