"""Coverage: who was covered on a date, for which programmes; and what the city owes each month."""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import read_only
from berjasa.enrolment.models import CoveragePeriod
from berjasa.errors import NotFound, ValidationFailed
from berjasa.premiums.report import join_invoices
from berjasa.registry.models import Participant
from berjasa.registry.nik import NikError, parse_nik


@dataclass(frozen=True)
class Coverage:
    participant_id: int | None
    on: date
    programmes: list[str]
    period_start: date | None = None
    period_end: date | None = None
    enrolment_id: int | None = None

    @property
    def covered(self) -> bool:
        return bool(self.programmes)

    def covers(self, programme: str) -> bool:
        return programme in self.programmes


_periods = CoveragePeriod.__table__
# Built once (claims ask it on every verify): the period in force on a day, newest first.
PERIOD_ON = (
    sa.select(_periods.c.programmes, _periods.c.start_date, _periods.c.end_date, _periods.c.enrolment_id)
    .where(_periods.c.participant_id == sa.bindparam("participant_id"), _periods.c.start_date <= sa.bindparam("on"),
           sa.or_(_periods.c.end_date.is_(None), _periods.c.end_date >= sa.bindparam("on")))
    .order_by(_periods.c.start_date.desc()).limit(1)
)


def coverage_on(session: Session, participant_id: int, on: date) -> Coverage:
    """The programmes that covered the participant on `on` (claims ask: covered for JKK on the accident date?)."""
    period = session.execute(PERIOD_ON, {"participant_id": participant_id, "on": on}).first()
    if period is None:
        return Coverage(participant_id, on, [])
    return Coverage(participant_id, on, list(period.programmes), period.start_date, period.end_date,
                    period.enrolment_id)


def participant_coverage(*, session: Session, participant_id: int, on: date) -> Coverage:
    with read_only(session):
        if session.get(Participant, participant_id) is None:
            raise NotFound(f"No participant {participant_id}")
        return coverage_on(session, participant_id, on)


def coverage_by_nik(*, session: Session, nik: str, on: date) -> Coverage:
    """By NIK, as a hospital checks a patient. An invalid NIK is a 422 naming `nik` (a typo must not read as
    "not covered"); a valid NIK that is not registered is simply not covered."""
    try:
        nik = parse_nik(nik).nik
    except NikError as exc:
        raise ValidationFailed(f"Invalid NIK: {exc.reason}", errors={"nik": [exc.reason]}) from None
    with read_only(session):
        participant_id = session.scalar(sa.select(Participant.id).where(Participant.nik == nik))
        if participant_id is None:
            return Coverage(None, on, [])
        return coverage_on(session, participant_id, on)


@dataclass(frozen=True)
class PremiumRates:
    jkk_rate_bp: int  # basis points of declared income
    jkm_monthly: int  # rupiah
    jht_rate_bp: int
    default_income: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PremiumRates:
        return cls(int(config["PREMIUM_JKK_RATE_BP"]), int(config["PREMIUM_JKM_MONTHLY"]),
                   int(config["PREMIUM_JHT_RATE_BP"]), int(config["DEFAULT_DECLARED_INCOME"]))

    def amount(self, programme: str, income: int | None) -> int:
        income = self.default_income if income is None else income
        if programme == "jkm":
            return self.jkm_monthly
        rate = self.jkk_rate_bp if programme == "jkk" else self.jht_rate_bp
        return (income * rate + 5_000) // 10_000  # whole rupiah, rounded half up


#: What joins the month's liability with the other parties' figures, in order: each takes (session, month, report)
#: and returns the report with what it adds (BPJS's invoices and the city's payments per cohort and programme, and
#: their difference from the liability: berjasa/premiums/report.py).
PREMIUM_JOINS: list[Callable[[Session, str, dict[str, Any]], dict[str, Any]]] = [join_invoices]


def premiums(*, session: Session, month: str, rates: PremiumRates) -> dict[str, Any]:
    """The month's premium liability for the city budget: participants covered on any day of the month,
    counted and summed per cohort and programme (and whatever PREMIUM_JOINS add)."""
    year, number = (int(part) for part in month.split("-"))
    first, last = date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])
    # One period per participant (two in one month, a lapse then a re-activation: paid once, as the newest), then
    # counted and summed in the database per cohort and set of programmes: a handful of rows come back, not one
    # per participant. Each participant's premium is rounded on its own, as `PremiumRates.amount` does.
    newest = sa.func.row_number().over(partition_by=CoveragePeriod.participant_id,
                                       order_by=(CoveragePeriod.start_date.desc(), CoveragePeriod.id.desc()))
    covered = (sa.select(Participant.cohort, CoveragePeriod.programmes.label("programmes"),
                         sa.func.coalesce(Participant.declared_income, rates.default_income)
                         .cast(sa.BigInteger).label("income"), newest.label("n"))
               .join(CoveragePeriod, CoveragePeriod.participant_id == Participant.id)
               .where(CoveragePeriod.start_date <= last,
                      sa.or_(CoveragePeriod.end_date.is_(None), CoveragePeriod.end_date >= first))
               .subquery())

    def rounded(rate_bp: int) -> sa.ColumnElement[int]:
        return sa.cast(sa.func.sum((covered.c.income * rate_bp + 5_000) // 10_000), sa.BigInteger)

    programmes_text = sa.cast(covered.c.programmes, sa.Text)
    groups = session.execute(
        sa.select(covered.c.cohort, programmes_text, sa.func.count(), rounded(rates.jkk_rate_bp),
                  rounded(rates.jht_rate_bp))
        .where(covered.c.n == 1).group_by(covered.c.cohort, programmes_text))
    lines: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    participants = 0
    for cohort, programmes, count, jkk, jht in groups:
        participants += count
        for programme in json.loads(programmes):
            line = lines[(cohort.value, programme)]
            line[0] += count
            line[1] += {"jkk": jkk, "jht": jht}.get(programme, rates.jkm_monthly * count)
    report = {
        "month": month,
        "lines": [{"cohort": c, "programme": p, "participants": n, "total": t}
                  for (c, p), (n, t) in sorted(lines.items())],
        "participants": participants,
        "total": sum(t for _, t in lines.values()),
        "rates": {"jkk_rate_bp": rates.jkk_rate_bp, "jkm_monthly": rates.jkm_monthly,
                  "jht_rate_bp": rates.jht_rate_bp, "default_declared_income": rates.default_income},
    }
    for join in PREMIUM_JOINS:
        report = join(session, month, report)
    return report
