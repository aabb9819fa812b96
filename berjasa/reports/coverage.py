"""The coverage report on a day: UCJ per kecamatan and city-wide against the target (berjasa/reports/targets.py),
enrolments by state and cohort, and the funnel from submitted to active with how long the enrolments in each stage
have waited. Read from the spans of coverage periods and of enrolments' stays in a state (report_coverage_spans,
report_enrolment_stays), so any past day can be asked for."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import read_only, utcnow
from berjasa.registry.enums import Cohort
from berjasa.registry.models import Kecamatan
from berjasa.reports.histogram import nearest_rank
from berjasa.reports.models import CoverageSpans, EnrolmentStays
from berjasa.reports.targets import CoverageTargets
from berjasa.time import wita_iso
from workflows.enrolment import EnrolmentState

FUNNEL = ("submitted", "verified", "sent_to_bpjs", "active")
#: How long an enrolment has waited in its stage, in whole days: (label, at least, at most).
AGES = (("0-7 days", 0, 7), ("8-30 days", 8, 30), ("31-90 days", 31, 90), ("over 90 days", 91, None))
_spans, _stays = CoverageSpans.__table__, EnrolmentStays.__table__


def coverage_report(*, session: Session, on: date, targets: CoverageTargets, now: datetime | None = None
                    ) -> dict[str, Any]:
    """What the programme covered at the end of day `on` (WITA)."""
    with read_only(session):
        active = session.execute(
            sa.select(_spans.c.kecamatan, _spans.c.cohort, sa.func.sum(_spans.c.n))
            .where(_spans.c.start_day <= on, _spans.c.end_day >= on).group_by(_spans.c.kecamatan, _spans.c.cohort)
        ).all()
        staying = session.execute(
            sa.select(_stays.c.state, _stays.c.cohort, _stays.c.entered_day, sa.func.sum(_stays.c.n))
            .where(_stays.c.entered_day <= on, _stays.c.left_day > on)
            .group_by(_stays.c.state, _stays.c.cohort, _stays.c.entered_day)
        ).all()
        entered = dict(session.execute(
            sa.select(_stays.c.state, sa.func.sum(_stays.c.n)).where(_stays.c.entered_day <= on)
            .group_by(_stays.c.state)).tuples().all())
        names = dict(session.execute(sa.select(Kecamatan.code, Kecamatan.name)).tuples().all())
    return {
        "on": on.isoformat(), "generated_at": wita_iso(now or utcnow()),
        "ucj": ucj(on, active, names, targets),
        "enrolments": _by_state_and_cohort(staying),
        "funnel": _funnel(on, staying, entered),
    }


def ucj(on: date, active: list[Any], names: dict[str, str], targets: CoverageTargets) -> dict[str, Any]:
    """Active participants over the working population, per kecamatan and city-wide, against the target."""
    per_kecamatan: Counter = Counter()
    per_cohort: Counter = Counter()
    for kecamatan, cohort, n in active:
        per_kecamatan[kecamatan] += int(n)
        per_cohort[cohort] += int(n)
    rows = []
    for code in sorted(names):
        rows.append(_ucj_line(per_kecamatan[code], targets.covered_elsewhere.get(code, 0),
                              targets.working_population.get(code)) | {"kecamatan": code, "name": names[code]})
    city = _city(per_kecamatan, names, targets)
    target = targets.target_for(on)
    return {
        "active": sum(per_kecamatan.values()),
        "active_by_cohort": {c.value: per_cohort[c.value] for c in Cohort},
        "city": city,
        "target": None if target is None else {
            "year": target[0], "pct": target[1],
            "gap_pct": None if city["ucj_pct"] is None else round(target[1] - city["ucj_pct"], 2)},
        "targets": [{"year": year, "pct": pct} for year, pct in sorted(targets.targets.items())],
        "kecamatan": rows,
    }


def _city(per_kecamatan: Counter, names: dict[str, str], targets: CoverageTargets) -> dict[str, Any]:
    """City-wide: the city's own figures where configured, else the kecamatan's added up (the denominator only
    when every kecamatan has one)."""
    missing = sorted(set(names) - set(targets.working_population))
    elsewhere = targets.city.get("covered_elsewhere", sum(targets.covered_elsewhere.values()))
    population = targets.city.get("working_population") or (
        None if missing else sum(targets.working_population.values()))
    return _ucj_line(sum(per_kecamatan.values()), elsewhere, population) | {"kecamatan_without_denominator": missing}


def _ucj_line(active: int, elsewhere: int, population: int | None) -> dict[str, Any]:
    return {"active": active, "covered_elsewhere": elsewhere, "working_population": population,
            "ucj_pct": round(100 * (active + elsewhere) / population, 2) if population else None}


def _by_state_and_cohort(staying: list[Any]) -> list[dict[str, Any]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for state, cohort, _entered, n in staying:
        counts[state][cohort] += int(n)
    return [{"state": s.value, "enrolments": sum(counts[s.value].values()),
             "by_cohort": {c.value: counts[s.value][c.value] for c in Cohort}} for s in EnrolmentState]


def _funnel(on: date, staying: list[Any], entered: dict[str, Any]) -> list[dict[str, Any]]:
    ages: dict[str, Counter] = defaultdict(Counter)
    for state, _cohort, entered_day, n in staying:
        ages[state][(on - entered_day).days] += int(n)
    stages = []
    for stage in FUNNEL:
        waiting = ages[stage]
        stages.append({
            "stage": stage, "now": sum(waiting.values()), "entered": int(entered.get(stage) or 0),
            "waiting": {label: sum(n for days, n in waiting.items() if days >= low and (high is None or days <= high))
                        for label, low, high in AGES},
            "median_days_waiting": nearest_rank(waiting, 50), "p90_days_waiting": nearest_rank(waiting, 90),
        })
    submitted = stages[0]["entered"]
    for stage in stages:
        stage["reached_pct"] = round(100 * stage["entered"] / submitted, 1) if submitted else None
    return stages
