"""The reports' projections (see tally.py): what each counts, read from the case tables, and what it contributes
to which aggregate. The `reports` consumer refreshes them from the events of cases (workers/actors.py);
`berjasa reports rebuild` computes them all again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.claims.models import Claim
from berjasa.db import among
from berjasa.enrolment.models import CoveragePeriod, Enrolment
from berjasa.events.contract import Event
from berjasa.events.models import CaseEvent
from berjasa.parties.models import Party, PartyKind
from berjasa.registry.models import Participant
from berjasa.reports import histogram
from berjasa.reports import models as m
from berjasa.reports.tally import Contribution, Current, Projection, rebuild, refresh
from berjasa.sla import policies as policy_store
from berjasa.sla.models import Breach, ClockRow
from berjasa.time import WITA
from workflows.sla import OPEN

CASE_MODELS = {"claim": Claim, "enrolment": Enrolment}
DAY_SECONDS = 86400.0


def month_of(moment: datetime | None) -> date | None:
    """The first day of the WITA month of a moment."""
    return None if moment is None else moment.astimezone(WITA).date().replace(day=1)


def day_of(moment: datetime) -> date:
    return moment.astimezone(WITA).date()


def _days_bucket(start: datetime, end: datetime) -> int:
    return histogram.bucket((end - start).total_seconds() / DAY_SECONDS)


# ---------------------------------------------------------------- SLA clocks
_clocks, _breaches = ClockRow.__table__, Breach.__table__
CLOCKS = (sa.select(_clocks.c.id, _clocks.c.case_id, _clocks.c.policy, _clocks.c.party, _clocks.c.hospital_id,
                    _clocks.c.kecamatan_code, _clocks.c.state, _clocks.c.started_at, _clocks.c.stopped_at,
                    _clocks.c.breached_at, _clocks.c.used, _clocks.c.due_at, _breaches.c.justified)
          .select_from(_clocks.outerjoin(_breaches, _breaches.c.clock_id == _clocks.c.id)))
OUTCOME_COLUMN = {"on_time": "met_on_time", "late": "met_late", "cancelled": "cancelled",
                  "cancelled_late": "cancelled_late"}


def clock_signatures(session: Session, case_type: str, ids: list[int]) -> Current:
    policies = policy_store.by_name()
    rows = session.execute(CLOCKS.where(_clocks.c.case_type == case_type, among(session, _clocks.c.case_id, ids)))
    return {row.id: (row.case_id, clock_signature(row, policies.get(row.policy))) for row in rows}


def clock_signature(row: Any, policy: Any) -> tuple:
    """(policy, party, hospital, kecamatan, started month, stopped month, outcome, breached month, open, justified,
    time used as % of the target (bucket))."""
    late = row.breached_at is not None
    outcome = {"met": "late" if late else "on_time", "cancelled": "cancelled_late" if late else "cancelled"}.get(
        row.state)
    used = None
    if row.state == "met" and policy is not None:
        target = ((row.due_at - row.started_at).total_seconds() if policy.duration.unit == "y"
                  else policy.duration.seconds)
        used = histogram.percent_bucket(100.0 * row.used / target) if target > 0 else None
    return (row.policy, row.party, row.hospital_id or 0, row.kecamatan_code or "", month_of(row.started_at),
            month_of(row.stopped_at) if outcome else None, outcome, month_of(row.breached_at), row.state in OPEN,
            bool(row.justified), used)


def clock_contributions(signature: tuple) -> Iterator[Contribution]:
    policy, party, hospital, kecamatan, started, stopped, outcome, breached, still_open, justified, used = signature
    group = (policy, party, hospital, kecamatan)
    counts, histograms = m.SlaCounts.__table__, m.SlaUsed.__table__
    yield counts, (started, *group), {"started": 1}
    if outcome:
        yield counts, (stopped, *group), {OUTCOME_COLUMN[outcome]: 1}
    if breached:
        yield counts, (breached, *group), {"breached": 1, "breached_open": int(still_open),
                                           "justified": int(justified)}
    if used is not None:
        yield histograms, (stopped, *group, used), {"n": 1}
        for dim, value in (("party", party), ("policy", policy), ("hospital", str(hospital)), ("kecamatan", kecamatan)):
            yield m.SlaUsedBy.__table__, (stopped, dim, value, used), {"n": 1}


SLA = Projection("sla", m.SlaClockTally.__table__, (m.SlaCounts.__table__, m.SlaUsed.__table__,
                                                    m.SlaUsedBy.__table__), CASE_MODELS,
                 clock_signatures, clock_contributions)


# ---------------------------------------------------------------- claims
_claims, _events, _people, _parties = Claim.__table__, CaseEvent.__table__, Participant.__table__, Party.__table__
_reporter = _parties.alias("reporter")
CLAIMS = (sa.select(_claims.c.id, _claims.c.state, _claims.c.accident_type, _claims.c.accident_at,
                    _claims.c.created_at, _people.c.kecamatan_code,
                    sa.func.coalesce(_claims.c.hospital_id, sa.case(
                        (_reporter.c.kind == PartyKind.HOSPITAL.value, _reporter.c.id))).label("hospital_id"))
          .select_from(_claims.outerjoin(_people, _people.c.id == _claims.c.participant_id)
                       .join(_reporter, _reporter.c.id == _claims.c.reporting_party_id)))
#: The audit events a claim's figures need: its decision, its documents and its payment.
CLAIM_EVENTS = (sa.select(_events.c.case_id, _events.c.trigger, _events.c.created_at,
                          sa.case((_events.c.trigger == "pay", _events.c.data)).label("data"))
                .where(_events.c.case_type == "claim",
                       _events.c.trigger.in_(["verify", "reject", "submit_documents", "pay"]))
                .order_by(_events.c.case_id, _events.c.seq))
DECISIONS = {"verify": "verified", "reject": "rejected"}


def claim_signatures(session: Session, _case_type: str, ids: list[int]) -> Current:
    events: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(CLAIM_EVENTS.where(among(session, _events.c.case_id, ids))):
        events[row.case_id].append(row)
    rows = session.execute(CLAIMS.where(among(session, _claims.c.id, ids)))
    return {row.id: (row.id, claim_signature(row, events.get(row.id, []))) for row in rows}


def claim_signature(claim: Any, events: Sequence[Any]) -> tuple:
    """(report month, state, accident type, kecamatan, hospital, days to report, decision month, decision, days to
    decision, payment month, days from documents to payment, benefits paid)."""
    decided = next((e for e in events if e.trigger in DECISIONS), None)
    paid = next((e for e in reversed(events) if e.trigger == "pay"), None)
    documents = [e for e in events if e.trigger == "submit_documents"
                 and (paid is None or e.created_at <= paid.created_at)]
    benefits = ""
    if paid is not None:
        lines: dict[str, int] = defaultdict(int)
        for payment in (paid.data or {}).get("payments", []):
            lines[payment["line"]] += int(payment["amount"])
        benefits = " ".join(f"{line}={amount}" for line, amount in sorted(lines.items()))
    return (month_of(claim.created_at), _value(claim.state), _value(claim.accident_type), claim.kecamatan_code or "",
            claim.hospital_id or 0, _days_bucket(claim.accident_at, claim.created_at),
            month_of(decided.created_at) if decided else None, DECISIONS[decided.trigger] if decided else None,
            _days_bucket(claim.created_at, decided.created_at) if decided else None,
            month_of(paid.created_at) if paid else None,
            _days_bucket(documents[-1].created_at, paid.created_at) if paid and documents else None, benefits)


def claim_contributions(signature: tuple) -> Iterator[Contribution]:
    (month, state, accident_type, kecamatan, hospital, to_report, decided, decision, to_decision, paid, to_payment,
     benefits) = signature
    counts, flows, durations = m.ClaimCounts.__table__, m.ClaimFlows.__table__, m.ClaimDurations.__table__
    yield counts, (month, state, accident_type, kecamatan, hospital), {"n": 1}
    yield durations, (month, "accident_to_report", kecamatan, hospital, to_report), {"n": 1}
    if decided:
        yield flows, (decided, f"decision.{decision}", kecamatan, hospital), {"n": 1}
        yield durations, (decided, "report_to_decision", kecamatan, hospital, to_decision), {"n": 1}
    if paid:
        lines = [item.split("=") for item in benefits.split()]
        yield flows, (paid, "paid", kecamatan, hospital), {"n": 1, "amount": sum(int(a) for _, a in lines)}
        for line, amount in lines:
            yield flows, (paid, f"benefit.{line}", kecamatan, hospital), {"n": 1, "amount": int(amount)}
        if to_payment is not None:
            yield durations, (paid, "documents_to_payment", kecamatan, hospital, to_payment), {"n": 1}


CLAIMS_PROJECTION = Projection("claims", m.ClaimTally.__table__, (
    m.ClaimCounts.__table__, m.ClaimFlows.__table__, m.ClaimDurations.__table__), {"claim": Claim},
    claim_signatures, claim_contributions)


# ---------------------------------------------------------------- enrolments: stays in a state, coverage periods
_enrolments, _periods = Enrolment.__table__, CoveragePeriod.__table__
STAYS = (sa.select(_events.c.id, _events.c.case_id, _events.c.to_state, _events.c.created_at, _people.c.cohort,
                   _people.c.kecamatan_code)
         .select_from(_events.join(_enrolments, _enrolments.c.id == _events.c.case_id)
                      .join(_people, _people.c.id == _enrolments.c.participant_id))
         .where(_events.c.case_type == "enrolment").order_by(_events.c.case_id, _events.c.seq))


def stay_signatures(session: Session, _case_type: str, ids: list[int]) -> Current:
    """Each audit event of an enrolment begins a stay in its state, which the next event ends."""
    found: Current = {}
    rows = session.execute(STAYS.where(among(session, _events.c.case_id, ids))).all()
    for row, after in zip(rows, [*rows[1:], None][:len(rows)], strict=True):  # (none: no events yet)
        left = day_of(after.created_at) if after is not None and after.case_id == row.case_id else m.OPEN_END
        found[row.id] = (row.case_id, (row.to_state, _value(row.cohort), row.kecamatan_code,
                                       day_of(row.created_at), left))
    return found


def stay_contributions(signature: tuple) -> Iterator[Contribution]:
    yield m.EnrolmentStays.__table__, signature, {"n": 1}


STAYS_PROJECTION = Projection("enrolment_stays", m.StayTally.__table__, (m.EnrolmentStays.__table__,),
                              {"enrolment": Enrolment}, stay_signatures, stay_contributions)

PERIODS = (sa.select(_periods.c.id, _periods.c.enrolment_id, _people.c.kecamatan_code, _people.c.cohort,
                     _periods.c.start_date, _periods.c.end_date)
           .select_from(_periods.join(_people, _people.c.id == _periods.c.participant_id)))


def period_signatures(session: Session, _case_type: str, ids: list[int]) -> Current:
    rows = session.execute(PERIODS.where(among(session, _periods.c.enrolment_id, ids)))
    return {row.id: (row.enrolment_id, (row.kecamatan_code, _value(row.cohort), row.start_date,
                                        row.end_date or m.OPEN_END)) for row in rows}


def period_contributions(signature: tuple) -> Iterator[Contribution]:
    yield m.CoverageSpans.__table__, signature, {"n": 1}


COVERAGE_PROJECTION = Projection("coverage", m.CoverageTally.__table__, (m.CoverageSpans.__table__,),
                                 {"enrolment": Enrolment}, period_signatures, period_contributions)

#: Every projection, in the order refreshes take their locks.
PROJECTIONS = (SLA, CLAIMS_PROJECTION, STAYS_PROJECTION, COVERAGE_PROJECTION)


# ---------------------------------------------------------------- the consumer, the rebuild
def refresh_for(session: Session, events: Iterable[Event]) -> None:
    """The `reports` consumer: the projections brought up to date for the cases the events are about (a
    participant's correction: their claims and enrolments)."""
    cases: dict[str, set[int]] = defaultdict(set)
    people = set()
    for event in events:
        if event.case_type in CASE_MODELS and event.case_id is not None:
            cases[event.case_type].add(event.case_id)
        elif event.case_type == "participant" and event.case_id is not None:
            people.add(event.case_id)
    if people:
        for case_type, model in CASE_MODELS.items():
            cases[case_type].update(session.scalars(sa.select(model.id).where(
                among(session, model.participant_id, sorted(people)))))
    for projection in PROJECTIONS:
        for case_type in projection.case_models:
            if cases.get(case_type):
                refresh(session, projection, case_type, sorted(cases[case_type]))


def rebuild_all(session: Session) -> dict[str, int]:
    """Every projection computed again (inside the caller's unit of work); the things counted by each."""
    return {projection.name: rebuild(session, projection) for projection in PROJECTIONS}


def _value(member: Any) -> str:
    return getattr(member, "value", member)
