"""`berjasa sla rebuild`: every case's clocks computed again from its audit log with the policies and calendar in
force, compared with what is stored, and (with apply) stored. The audit log is the source of truth; clocks are a
projection of it. This is how a policy change is applied to history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.calendar.service import StoredCalendar
from berjasa.claims.models import Claim
from berjasa.db import utcnow
from berjasa.discrepancies.models import Discrepancy
from berjasa.enrolment.models import Enrolment
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit
from berjasa.parties.models import Party
from berjasa.sla import policies as policy_store
from berjasa.sla.clocks import CaseFields, Moved, of_cases, write_moves
from berjasa.sla.models import Breach, ClockRow
from berjasa.transaction import unit_of_work
from workflows.calendar import Calendar
from workflows.sla import CaseAt, Clock, Transitioned, evaluate, on_event

MODELS = {"claim": Claim, "enrolment": Enrolment, "discrepancy": Discrepancy}
COMPARED = ("state", "party", "hospital_id", "started_at", "due_at", "warn_at", "stopped_at", "warned_at",
            "breached_at", "escalate_at", "escalated_at")
ATTENTION = ("warned_at", "breached_at", "escalated_at", "escalate_at")


@dataclass(frozen=True)
class Difference:
    case_type: str
    case_id: int
    policy: str
    run: int
    field: str
    stored: Any
    expected: Any

    def __str__(self) -> str:
        return (f"{self.case_type} {self.case_id} {self.policy} run {self.run}: {self.field} stored "
                f"{self.stored}, expected {self.expected}")


def rebuild(*, session: Session, apply: bool = False, now: datetime | None = None, grace: timedelta | None = None,
            batch: int = 500) -> list[Difference]:
    """Compare (and with `apply`, replace) every case's clocks; a warning, breach or escalation that fell due in
    the last `grace` (two ticks) may not be recorded yet and is no difference."""
    now = now or utcnow()
    grace = grace if grace is not None else timedelta(seconds=60)
    differences: list[Difference] = []
    policies = policy_store.in_force()
    for case_type, model in MODELS.items():
        mine = [p for p in policies if p.case_type == case_type]
        if not mine:
            continue
        for ids in _batches(session, model, batch):
            with unit_of_work(session):
                found = _rebuild_batch(session, case_type, model, ids, mine, now, grace, apply)
            differences.extend(found)
    return differences


def _batches(session: Session, model: type, size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        with session.begin():
            ids = list(session.scalars(sa.select(model.id).where(model.id > last).order_by(model.id).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def _rebuild_batch(session: Session, case_type: str, model: type, ids: list[int], policies: list, now: datetime,
                   grace: timedelta, apply: bool) -> list[Difference]:
    calendar = StoredCalendar(session)
    hospitals = dict(session.execute(sa.select(Party.code, Party.id)).tuples().all())
    cases = {c.id: c for c in session.scalars(sa.select(model).where(model.id.in_(ids)))}
    events: dict[int, list[CaseEvent]] = {}
    for event in session.scalars(sa.select(CaseEvent).where(CaseEvent.case_type == case_type,
                                                            CaseEvent.case_id.in_(ids))
                                 .order_by(CaseEvent.case_id, CaseEvent.seq)):
        events.setdefault(event.case_id, []).append(event)
    stored = of_cases(session, case_type, ids)
    by_name = {p.name: p for p in policies}
    differences, moves = [], []
    for case_id, case in cases.items():
        expected = replay(policies, calendar, case, events.get(case_id, []), hospitals, now)
        found = _compare(case_type, case_id, stored.get(case_id, []), expected, now - grace)
        differences.extend(found)
        if apply and found:
            moves.extend(_moves(session, case_type, case, stored.get(case_id, []), expected))
            # the case's read models count its clocks again (berjasa/reports/)
            emit(session, "sla.rebuilt", case_type=case_type, case_id=case_id, payload={"differences": len(found)})
    if moves:
        write_moves(session, moves, by_name, now)
    return differences


def replay(policies: list, calendar: Calendar, case: Any, events: list[CaseEvent], hospitals: dict[str, int],
           now: datetime) -> list[Clock]:
    """The case's clocks as its events make them, evaluated at `now`, in (policy, run) order."""
    clocks: list[Clock] = []
    settled: list[Clock] = []
    # a claim's hospital follows its admissions and referrals; other cases name theirs on the row
    hospital_id = None if case.case_type == "claim" else getattr(case, "hospital_id", None)
    for event in events:
        if event.data.get("hospital") and event.trigger != "create":
            hospital_id = hospitals.get(event.data["hospital"], hospital_id)
        seen = CaseAt(case.case_type, CaseFields(case), hospital_id, case.workflow.final, getattr(case, "party", None))
        trigger = "created" if event.trigger == "create" else event.trigger
        clocks = on_event(policies, calendar, clocks, seen,
                          Transitioned(trigger, event.from_state, event.to_state, event.created_at, event.data))
        clocks = _still_moving(clocks, settled)
    by_name = {p.name: p for p in policies}
    clocks = sorted([*settled, *clocks], key=lambda c: (c.policy, c.run))
    return [evaluate(c, now, by_name[c.policy], calendar) if c.policy in by_name else c for c in clocks]


def _still_moving(clocks: list[Clock], settled: list[Clock]) -> list[Clock]:
    """The clocks later events can still change: the open ones, and each policy's newest run (the next run's number
    follows it). The others are stopped for good: moved to `settled`, so that a long history costs each event only
    what is open."""
    newest = {}
    for clock in clocks:
        if clock.run > newest.get(clock.policy, 0):
            newest[clock.policy] = clock.run
    keep = []
    for clock in clocks:
        (keep if clock.open or clock.run == newest[clock.policy] else settled).append(clock)
    return keep


def _compare(case_type: str, case_id: int, stored: list[Clock], expected: list[Clock],
             settled_before: datetime) -> list[Difference]:
    have = {(c.policy, c.run): c for c in stored}
    want = {(c.policy, c.run): c for c in expected}
    found = []
    for key in sorted(have.keys() | want.keys()):
        old, new = have.get(key), want.get(key)
        if old is None or new is None:
            found.append(Difference(case_type, case_id, key[0], key[1], "clock", old and old.state,
                                    new and new.state))
            continue
        for name in COMPARED:
            a, b = getattr(old, name), getattr(new, name)
            if a != b and not _unsettled(name, a, b, settled_before):
                found.append(Difference(case_type, case_id, key[0], key[1], name, a, b))
    return found


def _unsettled(name: str, stored: Any, expected: Any, settled_before: datetime) -> bool:
    """A warning, breach or escalation of the last moments that the tick may not have recorded yet."""
    if name == "state":
        return {stored, expected} == {"running", "breached"}
    moment = expected or stored
    return name in ATTENTION and isinstance(moment, datetime) and moment > settled_before


def _moves(session: Session, case_type: str, case: Any, stored: list[Clock], expected: list[Clock]) -> list[Moved]:
    have = {(c.policy, c.run): c for c in stored}
    want = {(c.policy, c.run): c for c in expected}
    extra = [c.id for key, c in have.items() if key not in want]
    if extra:
        session.execute(sa.delete(Breach).where(Breach.clock_id.in_(extra)))
        session.execute(sa.delete(ClockRow).where(ClockRow.id.in_(extra)))
    kecamatan = getattr(case, "kecamatan_code", None)
    moves = []
    for key, clock in want.items():
        old = have.get(key)
        new = replace(clock, id=old.id if old else None)
        if old != new:
            moves.append(Moved(case_type, case.id, kecamatan, old, new))
    return moves
