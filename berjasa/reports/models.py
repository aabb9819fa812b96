"""The reports' read models. Aggregates (`report_*`) hold counts per month, day or span and per group; tallies
(`tally_*`) hold, per counted thing (a clock, a claim, an enrolment's stay in a state, a coverage period), the few
facts of it that the aggregates count, so that a refresh adds only the difference (berjasa/reports/tally.py).

In aggregate keys "none" is 0 for a hospital and '' for a kecamatan (key columns cannot be NULL)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base

#: The end of a span that has not ended (a stay still going on, a coverage period still open).
OPEN_END = date(9999, 12, 31)


def _key(length: int = 0, **kwargs) -> Mapped:
    kind = sa.String(length) if length else sa.BigInteger
    return mapped_column(kind, primary_key=True, **kwargs)


def _count() -> Mapped[int]:
    return mapped_column(sa.BigInteger, default=0, server_default="0")


class _Tally:
    """Every tally: the counted thing's id, and the case whose events refresh it."""

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False, sort_order=-3)
    case_type: Mapped[str] = mapped_column(sa.String(32), sort_order=-2)
    case_id: Mapped[int] = mapped_column(sa.BigInteger, sort_order=-1)


# ---------------------------------------------------------------- SLA scorecards
class SlaClockTally(_Tally, Base):
    """What a clock counts for: its group, the months it started, stopped and breached in, how it ended."""

    __tablename__ = "tally_sla_clocks"
    __table_args__ = (sa.Index("ix_tally_sla_clocks_case", "case_type", "case_id"),)

    policy: Mapped[str] = mapped_column(sa.String(64))
    party: Mapped[str] = mapped_column(sa.String(16))
    hospital_id: Mapped[int] = mapped_column(sa.BigInteger)
    kecamatan: Mapped[str] = mapped_column(sa.String(2))
    started_month: Mapped[date] = mapped_column(sa.Date)
    stopped_month: Mapped[date | None] = mapped_column(sa.Date)
    outcome: Mapped[str | None] = mapped_column(sa.String(16))  # on_time, late, cancelled, cancelled_late
    breached_month: Mapped[date | None] = mapped_column(sa.Date)
    open: Mapped[bool] = mapped_column(sa.Boolean)
    justified: Mapped[bool] = mapped_column(sa.Boolean)
    used_bucket: Mapped[int | None] = mapped_column(sa.Integer)  # time used, % of the target (percent_bucket)


class SlaCounts(Base):
    """Clocks per month and group: started (by start month), met and cancelled (by stop month), breached, still
    open after breaching and justified (by breach month)."""

    __tablename__ = "report_sla_counts"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    policy: Mapped[str] = _key(64)
    party: Mapped[str] = _key(16)
    hospital_id: Mapped[int] = _key()
    kecamatan: Mapped[str] = _key(2)
    started: Mapped[int] = _count()
    met_on_time: Mapped[int] = _count()
    met_late: Mapped[int] = _count()
    cancelled: Mapped[int] = _count()
    cancelled_late: Mapped[int] = _count()
    breached: Mapped[int] = _count()
    breached_open: Mapped[int] = _count()
    justified: Mapped[int] = _count()


class SlaUsed(Base):
    """Met clocks per stop month, group and bucket of time used (% of the target): the percentiles' histograms."""

    __tablename__ = "report_sla_used"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    policy: Mapped[str] = _key(64)
    party: Mapped[str] = _key(16)
    hospital_id: Mapped[int] = _key()
    kecamatan: Mapped[str] = _key(2)
    bucket: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    n: Mapped[int] = _count()


class SlaUsedBy(Base):
    """The same histograms for every party together, one grouping at a time (`dim`: party, policy, hospital,
    kecamatan; `value`: the group, a hospital by its id, none as '' or '0'): what an unscoped scorecard reads, a
    fraction of the rows of report_sla_used."""

    __tablename__ = "report_sla_used_by"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    dim: Mapped[str] = _key(16)
    value: Mapped[str] = _key(64)
    bucket: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    n: Mapped[int] = _count()


# ---------------------------------------------------------------- claims
class ClaimTally(_Tally, Base):
    """What a claim counts for: its report month and group, where it stands, its decision and payment."""

    __tablename__ = "tally_claims"
    __table_args__ = (sa.Index("ix_tally_claims_case", "case_type", "case_id"),)

    month: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(24))
    accident_type: Mapped[str] = mapped_column(sa.String(24))
    kecamatan: Mapped[str] = mapped_column(sa.String(2))
    hospital_id: Mapped[int] = mapped_column(sa.BigInteger)
    to_report: Mapped[int] = mapped_column(sa.Integer)  # days from the accident to the report (bucket)
    decided_month: Mapped[date | None] = mapped_column(sa.Date)
    decision: Mapped[str | None] = mapped_column(sa.String(16))  # verified, rejected
    to_decision: Mapped[int | None] = mapped_column(sa.Integer)  # days from the report to the decision (bucket)
    paid_month: Mapped[date | None] = mapped_column(sa.Date)
    to_payment: Mapped[int | None] = mapped_column(sa.Integer)  # days from complete documents to payment (bucket)
    benefits: Mapped[str] = mapped_column(sa.String(300))  # what was paid per line: "medical=7500000 transport=..."


class ClaimCounts(Base):
    """Claims per report month and group, by where they stand now."""

    __tablename__ = "report_claim_counts"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    state: Mapped[str] = _key(24)
    accident_type: Mapped[str] = _key(24)
    kecamatan: Mapped[str] = _key(2)
    hospital_id: Mapped[int] = _key()
    n: Mapped[int] = _count()


class ClaimFlows(Base):
    """What happened to claims per month and group: decisions (`decision.verified`, `decision.rejected`) and
    payments (`paid`, and `benefit.<line>` per benefit line), with amounts in rupiah."""

    __tablename__ = "report_claim_flows"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[str] = _key(32)
    kecamatan: Mapped[str] = _key(2)
    hospital_id: Mapped[int] = _key()
    n: Mapped[int] = _count()
    amount: Mapped[int] = _count()


class ClaimDurations(Base):
    """Histograms of days per month (the month the interval ended) and group: accident to report, report to
    decision, documents to payment."""

    __tablename__ = "report_claim_durations"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    measure: Mapped[str] = _key(32)
    kecamatan: Mapped[str] = _key(2)
    hospital_id: Mapped[int] = _key()
    bucket: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    n: Mapped[int] = _count()


# ---------------------------------------------------------------- enrolments and coverage
class StayTally(_Tally, Base):
    """An enrolment's stay in one state (the id is the audit event that began it)."""

    __tablename__ = "tally_enrolment_stays"
    __table_args__ = (sa.Index("ix_tally_enrolment_stays_case", "case_type", "case_id"),)

    state: Mapped[str] = mapped_column(sa.String(16))
    cohort: Mapped[str] = mapped_column(sa.String(24))
    kecamatan: Mapped[str] = mapped_column(sa.String(2))
    entered_day: Mapped[date] = mapped_column(sa.Date)
    left_day: Mapped[date] = mapped_column(sa.Date)


class EnrolmentStays(Base):
    """Stays of enrolments in a state by the day they began and ended (WITA; OPEN_END: still there). In state S at
    the end of day D: entered_day <= D < left_day."""

    __tablename__ = "report_enrolment_stays"

    state: Mapped[str] = _key(16)
    cohort: Mapped[str] = _key(24)
    kecamatan: Mapped[str] = _key(2)
    entered_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    left_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    n: Mapped[int] = _count()


class CoverageTally(_Tally, Base):
    """A coverage period (the id is the period's)."""

    __tablename__ = "tally_coverage_periods"
    __table_args__ = (sa.Index("ix_tally_coverage_periods_case", "case_type", "case_id"),)

    kecamatan: Mapped[str] = mapped_column(sa.String(2))
    cohort: Mapped[str] = mapped_column(sa.String(24))
    start_day: Mapped[date] = mapped_column(sa.Date)
    end_day: Mapped[date] = mapped_column(sa.Date)


class CoverageSpans(Base):
    """Coverage periods by their first and last day (inclusive; OPEN_END: open). Active on D: start <= D <= end."""

    __tablename__ = "report_coverage_spans"

    kecamatan: Mapped[str] = _key(2)
    cohort: Mapped[str] = _key(24)
    start_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    end_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    n: Mapped[int] = _count()
