"""The tick (warnings, breaches, escalations as they fall due), the worklist and breach queries, justification,
moving clocks after a calendar change, and rebuilding clocks from the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.calendar.service import StoredCalendar
from berjasa.claims.models import ClaimHospital
from berjasa.db import read_only, utcnow
from berjasa.errors import Conflict, NotFound
from berjasa.events import audit
from berjasa.events.outbox import emit
from berjasa.pagination import Page, paginate
from berjasa.parties.models import Party
from berjasa.sla import policies as policy_store
from berjasa.sla.clocks import CLOCK_FIELDS, Moved, write, write_moves
from berjasa.sla.models import Breach, ClockRow
from berjasa.transaction import unit_of_work
from workflows.calendar import WITA, Calendar
from workflows.roles import Role
from workflows.sla import Clock, evaluate, rescheduled

_clocks = ClockRow.__table__
# The tick's query: only what needs attention now, oldest first, rows another tick holds are skipped.
DUE = (sa.select(_clocks.c.case_type, _clocks.c.case_id, _clocks.c.kecamatan_code,
                 *(_clocks.c[name] for name in CLOCK_FIELDS))
       .where(_clocks.c.next_at <= sa.bindparam("now")).order_by(_clocks.c.next_at)
       .limit(sa.bindparam("limit")).with_for_update(skip_locked=True))


@dataclass
class TickResult:
    clocks: int = 0
    warned: int = 0
    breached: int = 0
    escalated: int = 0
    batches: int = 0


def tick(*, session: Session, now: datetime | None = None, batch: int = 500, max_batches: int = 200) -> TickResult:
    """Record every warning, breach and escalation that fell due by `now`, a batch per transaction, each once
    however many ticks run at once (SKIP LOCKED on PostgreSQL; the writer lock on SQLite)."""
    now = now or utcnow()
    result = TickResult()
    policies = policy_store.by_name()
    while result.batches < max_batches:
        with unit_of_work(session):
            rows = session.execute(DUE, {"now": now, "limit": batch}).all()
            calendar = StoredCalendar(session)
            moves = [_attended(row, now, policies, calendar) for row in rows]
            write_moves(session, moves, policies, now)  # every one: its next moment of attention is written too
        for move in moves:
            _count(move, result)
        result.batches += 1
        if len(rows) < batch:
            break
    return result


def _attended(row: Any, now: datetime, policies: Mapping, calendar: Calendar) -> Moved:
    values = row._mapping
    clock = Clock(**{name: values[name] for name in CLOCK_FIELDS})
    policy = policies.get(clock.policy)
    # a policy no longer in force (enabled = false) cancels its open clocks when they next need attention
    after = evaluate(clock, now, policy, calendar) if policy is not None else replace(
        clock, state="cancelled", stopped_at=now, running_since=None)
    return Moved(values["case_type"], values["case_id"], values["kecamatan_code"], clock, after)


def _count(move: Moved, result: TickResult) -> None:
    before, after = move.before, move.after
    result.clocks += 1
    result.warned += before.warned_at is None and after.warned_at is not None and after.breached_at is None
    result.breached += before.breached_at is None and after.breached_at is not None
    result.escalated += before.escalated_at is None and after.escalated_at is not None


def reschedule_working_clocks(session: Session, calendar: Calendar, *, since: datetime, until: datetime) -> int:
    """After a calendar change for [since, until): move the working-day clocks whose due time or escalation
    lies on or after it and that ran (or will run) through it; return how many moved."""
    policies = {p.name: p for p in policy_store.in_force()
                if p.duration.working or (p.warn_before and p.warn_before.working)
                or (p.escalate_after and p.escalate_after.working)}
    if not policies:
        return 0
    rows = session.execute(
        sa.select(_clocks.c.case_type, _clocks.c.case_id, _clocks.c.kecamatan_code,
                  *(_clocks.c[name] for name in CLOCK_FIELDS))
        .where(_clocks.c.policy.in_(list(policies)), _clocks.c.state.in_(["running", "breached"]),
               sa.or_(_clocks.c.due_at >= since, _clocks.c.escalate_at >= since),
               sa.or_(_clocks.c.running_since.is_(None), _clocks.c.running_since < until))
        .with_for_update()
    ).all()
    moved = 0
    for row in rows:
        values = row._mapping
        clock = Clock(**{name: values[name] for name in CLOCK_FIELDS})
        after = rescheduled(clock, policies[clock.policy], calendar)
        if after != clock:
            write(session, values["case_type"], values["case_id"], values["kecamatan_code"], [clock], [after],
                  policies, utcnow())
            moved += 1
    return moved


# ---------------------------------------------------------------- breaches
def justify(*, session: Session, actor: Actor, breach_id: int, code: str, note: str) -> Breach:
    """A supervisor's justification: the breach stays a breach, marked justified, audited on its own chain."""
    with unit_of_work(session):
        breach = session.get(Breach, breach_id, with_for_update=True)
        if breach is None:
            raise NotFound(f"No breach {breach_id}")
        if breach.justified:
            raise Conflict("This breach is justified already", errors={"breach": ["justified already"]})
        breach.justified, breach.justification_code, breach.justification_note = True, code, note
        breach.justified_by, breach.justified_at = actor.username, utcnow()
        audit.append(session, case_type="sla_breach", case_id=breach.id, trigger="justify", actor=actor,
                     state="justified", data={"code": code, "note": note, "clock_id": breach.clock_id,
                                              "case_type": breach.case_type, "case_id": breach.case_id})
        # the case's read models count it (berjasa/reports/); the case itself has not changed: no version
        emit(session, "sla.justified", case_type=breach.case_type, case_id=breach.case_id, payload={
            "breach_id": breach.id, "clock_id": breach.clock_id, "policy": breach.policy, "party": breach.party,
            "hospital_id": breach.hospital_id, "code": code, "actor": actor.username})
    return breach




# ---------------------------------------------------------------- lists
def list_clocks(*, session: Session, actor: Actor, page: int, per_page: int, state: str | None = None,
                policy: str | None = None, party: str | None = None, hospital: str | None = None,
                kecamatan: str | None = None, due_before: datetime | None = None,
                overdue: bool | None = None, soonest_first: bool = False) -> Page:
    """The worklist: clocks by due time, newest first (or soonest first); hospital staff see their claims' clocks
    only."""
    order = (ClockRow.due_at.asc(), ClockRow.id) if soonest_first else (ClockRow.due_at.desc().nulls_last(),
                                                                         ClockRow.id.desc())
    query = sa.select(ClockRow).order_by(*order)
    if actor.role is Role.HOSPITAL_STAFF:
        query = query.where(ClockRow.case_type == "claim", ClockRow.case_id.in_(
            sa.select(ClaimHospital.claim_id).where(ClaimHospital.hospital_id == actor.party_id)))
    if state:
        query = query.where(ClockRow.state == state)
    if policy:
        query = query.where(ClockRow.policy == policy)
    if party:
        query = query.where(ClockRow.party == party)
    if hospital:
        query = query.where(ClockRow.hospital_id == _hospital_id(hospital))
    if kecamatan:
        query = query.where(ClockRow.kecamatan_code == kecamatan)
    if due_before is not None:
        query = query.where(ClockRow.state.in_(["running", "breached"]), ClockRow.due_at < due_before)
    if overdue:
        query = query.where(sa.or_(ClockRow.state == "breached",
                                   sa.and_(ClockRow.state == "running", ClockRow.due_at <= utcnow())))
    with read_only(session):
        return paginate(session, query, page=page, per_page=per_page)


def list_breaches(*, session: Session, actor: Actor, page: int, per_page: int, policy: str | None = None,
                  party: str | None = None, hospital: str | None = None, kecamatan: str | None = None,
                  justified: bool | None = None, from_: date | None = None, to: date | None = None) -> Page:
    """Breaches, newest first: supervisors, caseworkers and admins see all; BPJS and hospitals their own."""
    query = sa.select(Breach).order_by(Breach.breached_at.desc(), Breach.id.desc())
    query = query.where(breach_scope(actor))
    if policy:
        query = query.where(Breach.policy == policy)
    if party:
        query = query.where(Breach.party == party)
    if hospital:
        query = query.where(Breach.hospital_id == _hospital_id(hospital))
    if kecamatan:
        query = query.where(Breach.kecamatan_code == kecamatan)
    if justified is not None:
        query = query.where(Breach.justified.is_(justified))
    if from_:
        query = query.where(Breach.breached_at >= datetime.combine(from_, time(), WITA))
    if to:
        query = query.where(Breach.breached_at < datetime.combine(to + timedelta(days=1), time(), WITA))
    with read_only(session):
        return paginate(session, query, page=page, per_page=per_page)


def breach_scope(actor: Actor) -> sa.ColumnElement[bool]:
    """The breaches attributed to the caller's party (BPJS, a hospital); all for Disnaker's roles."""
    if actor.role is Role.BPJS_OFFICER:
        return Breach.party == "bpjs"
    if actor.role is Role.HOSPITAL_STAFF:
        return sa.and_(Breach.party == "hospital", Breach.hospital_id == actor.party_id)
    return sa.true()


def get_breach_for(*, session: Session, actor: Actor, breach_id: int) -> Breach:
    with read_only(session):
        breach = session.scalar(sa.select(Breach).where(Breach.id == breach_id, breach_scope(actor)))
    if breach is None:
        raise NotFound(f"No breach {breach_id}")
    return breach


def _hospital_id(code: str) -> sa.ScalarSelect:
    return sa.select(Party.id).where(Party.code == code).scalar_subquery()
