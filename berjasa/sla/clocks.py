"""Clocks in the write path: a transition reads its case's clocks, the engine (workflows/sla.py) moves them, and
what changed is written in the transition's own transaction: new runs, stops, pauses, warnings and breaches that
are due already (a clock that started in the past), breach records, and `sla.*` outbox events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.calendar.service import StoredCalendar
from berjasa.db import allocate_ids, bulk_insert, utcnow
from berjasa.events.outbox import emit
from berjasa.sla import policies as policy_store
from berjasa.sla.models import Breach, ClockRow
from berjasa.time import wita_iso
from workflows.sla import CaseAt, Clock, Policy, Transitioned, next_attention, on_event

_clocks, _breaches = ClockRow.__table__, Breach.__table__
CLOCK_FIELDS = tuple(f.name for f in fields(Clock))
# Built once: a case's clocks, its runs in order.
OF_CASE = (sa.select(*(_clocks.c[name] for name in CLOCK_FIELDS))
           .where(_clocks.c.case_type == sa.bindparam("case_type"), _clocks.c.case_id == sa.bindparam("case_id"))
           .order_by(_clocks.c.policy, _clocks.c.run))
# The write path's read: the case's clock rows locked, so a tick running at the same time skips them (SKIP LOCKED)
# instead of recording a breach that this transition is about to overwrite, or waits for it to commit.
OF_CASE_LOCKED = OF_CASE.with_for_update()
OF_CASES = (sa.select(_clocks.c.case_id, *(_clocks.c[name] for name in CLOCK_FIELDS))
            .where(_clocks.c.case_type == sa.bindparam("case_type"),
                   _clocks.c.case_id.in_(sa.bindparam("case_ids", expanding=True)))
            .order_by(_clocks.c.case_id, _clocks.c.policy, _clocks.c.run))


def of_case(session: Session, case_type: str, case_id: int, lock: bool = False) -> list[Clock]:
    statement = OF_CASE_LOCKED if lock else OF_CASE
    return [Clock(*row) for row in session.execute(statement, {"case_type": case_type, "case_id": case_id})]


def of_cases(session: Session, case_type: str, case_ids: Iterable[int]) -> dict[int, list[Clock]]:
    found: dict[int, list[Clock]] = {}
    ids = list(case_ids)
    if ids:
        for case_id, *values in session.execute(OF_CASES, {"case_type": case_type, "case_ids": ids}):
            found.setdefault(case_id, []).append(Clock(*values))
    return found


def on_transition(session: Session, case: Any, *, trigger: str, from_state: str | None, to_state: str,
                  at: datetime, data: Mapping[str, Any], created: bool = False) -> list[Clock]:
    """Move the case's clocks for this transition ("created" for its creation); return them as they now are."""
    mine = [p for p in policy_store.in_force() if p.case_type == case.case_type]
    if not mine:
        return []
    before = [] if created else of_case(session, case.case_type, case.id, lock=True)
    event = Transitioned(trigger, from_state, to_state, at, data)
    after = on_event(mine, StoredCalendar(session), before, _case_at(case), event)
    return write(session, case.case_type, case.id, getattr(case, "kecamatan_code", None), before, after,
                 {p.name: p for p in mine}, at)


def start_many(session: Session, model: type, cases: Sequence[tuple[Any, ...]], at: datetime) -> None:
    """The clocks of many new cases of one kind, created together at `at` in their initial state (a bulk import,
    a check run), as (case id, kecamatan) or (case id, kecamatan, party, hospital id) for cases that name their
    responsible party. The engine runs once per party: such cases differ in nothing else a new case's clock starts
    from (a policy that read another field of the case would find it missing here, and fail loudly). Unless a clock
    is due already, the rows are written with ids taken first and one bulk insert."""
    mine = [p for p in policy_store.in_force() if p.case_type == model.case_type]
    if not mine or not cases:
        return
    workflow = model.workflow
    event = Transitioned("created", None, workflow.initial.value, at, {})
    calendar = StoredCalendar(session)
    templates: dict[tuple[Any, Any], list[Clock]] = {}
    started: list[tuple[Any, Any, Clock]] = []
    for case_id, kecamatan, *named in cases:
        party, hospital_id = named if named else (None, None)
        template = templates.get((party, hospital_id))
        if template is None:
            template = templates[(party, hospital_id)] = on_event(mine, calendar, [], CaseAt(
                model.case_type, {"created_at": at}, hospital_id, workflow.final, party), event)
        started += [(case_id, kecamatan, clock) for clock in template]
    if any(clock.warned_at or clock.breached_at for _, _, clock in started):  # events and breach rows to write
        write_moves(session, [Moved(model.case_type, case_id, kecamatan, None, clock)
                              for case_id, kecamatan, clock in started], {p.name: p for p in mine}, at)
        return
    ids = iter(allocate_ids(session, _clocks, len(started)))
    bulk_insert(session, _clocks, [_row(clock) | {"case_type": model.case_type, "id": next(ids), "case_id": case_id,
                                                  "kecamatan_code": kecamatan}
                                   for case_id, kecamatan, clock in started])


def _case_at(case: Any) -> CaseAt:
    return CaseAt(case.case_type, CaseFields(case), getattr(case, "hospital_id", None), case.workflow.final,
                  getattr(case, "party", None))


class CaseFields(Mapping):
    """The case's attributes as the engine's start instants read them (accident_at ...)."""

    def __init__(self, case: Any) -> None:
        self._case = case

    def __getitem__(self, name: str) -> Any:
        return getattr(self._case, name)

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self._case, name, default)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True)
class Moved:
    """One clock of one case, before (None for a new run) and after something happened to it."""

    case_type: str
    case_id: int
    kecamatan: str | None
    before: Clock | None
    after: Clock


def write(session: Session, case_type: str, case_id: int, kecamatan: str | None, before: Sequence[Clock],
          after: Sequence[Clock], policies: Mapping[str, Policy], now: datetime) -> list[Clock]:
    """Store what changed between a case's clocks `before` and `after`; return `after` with ids."""
    old = {c.id: c for c in before}
    changed = [c.id is None or c != old[c.id] for c in after]
    written = iter(write_moves(session, [Moved(case_type, case_id, kecamatan, old.get(c.id), c)
                                         for c, change in zip(after, changed, strict=True) if change],
                               policies, now))
    return [next(written) if change else c for c, change in zip(after, changed, strict=True)]


def write_moves(session: Session, moves: Sequence[Moved], policies: Mapping[str, Policy],
                now: datetime) -> list[Clock]:
    """Store many clocks' changes, one statement per kind (new runs, changed runs, new breaches, breaches that
    ended or escalated), and emit the events of what happened; return the clocks after, with ids."""
    new = [m for m in moves if m.after.id is None]
    ids = _insert(session, new)
    ids_of = {id(m): i for m, i in zip(new, ids, strict=True)}
    done = [Moved(m.case_type, m.case_id, m.kecamatan, m.before, replace(m.after, id=ids_of[id(m)]))
            if id(m) in ids_of else m for m in moves]
    changed = [m.after for m in done if m.before is not None]
    if changed:
        session.execute(_UPDATE, [_row(c) | {"_id": c.id} for c in changed])
    record_breaches(session, done, now)
    for move in done:
        _emit(session, move, policies.get(move.after.policy))
    return [m.after for m in done]


def record_breaches(session: Session, moves: Sequence[Moved], now: datetime) -> None:
    """A breach row for each clock that has just breached; met and escalation times onto existing rows."""
    fresh = [m for m in moves if m.after.breached_at is not None and (m.before is None or m.before.breached_at is None)]
    if fresh:
        session.execute(_breaches.insert(), [
            {"clock_id": c.id, "case_type": m.case_type, "case_id": m.case_id, "policy": c.policy, "party": c.party,
             "hospital_id": c.hospital_id, "kecamatan_code": m.kecamatan, "due_at": c.due_at,
             "breached_at": c.breached_at, "recorded_at": now, "met_at": c.stopped_at if c.state == "met" else None,
             "lateness": c.lateness, "escalated_at": c.escalated_at, "justified": False}
            for m in fresh for c in (m.after,)])
    later = [m.after for m in moves if m.before is not None and m.before.breached_at is not None and (
        m.before.stopped_at != m.after.stopped_at or m.before.escalated_at != m.after.escalated_at
        or m.before.hospital_id != m.after.hospital_id)]
    if later:
        session.execute(_BREACH_UPDATE, [{"_clock": c.id, "met_at": c.stopped_at if c.state == "met" else None,
                                          "lateness": c.lateness, "escalated_at": c.escalated_at,
                                          "hospital_id": c.hospital_id} for c in later])


def _emit(session: Session, move: Moved, policy: Policy | None) -> None:
    previous, clock = move.before, move.after
    kinds = []
    if clock.warned_at is not None and (previous is None or previous.warned_at is None) and clock.breached_at is None:
        kinds.append("sla.warning")
    if clock.breached_at is not None and (previous is None or previous.breached_at is None):
        kinds.append("sla.breached")
    if clock.escalated_at is not None and (previous is None or previous.escalated_at is None):
        kinds.append("sla.escalated")
    for kind in kinds:
        emit(session, kind, case_type=move.case_type, case_id=move.case_id, payload=event_payload(
            move.case_type, move.case_id, move.kecamatan, clock, policy), plain=True)


def event_payload(case_type: str, case_id: int, kecamatan: str | None, clock: Clock,
                  policy: Policy | None) -> dict[str, Any]:
    """What every `sla.*` event says (consumers read no case to act on it)."""
    lateness = clock.lateness
    if lateness is None and clock.breached_at is not None:
        lateness = max(0.0, ((clock.escalated_at or clock.breached_at) - clock.due_at).total_seconds())
    return {"clock_id": clock.id, "policy": clock.policy, "run": clock.run, "party": clock.party,
            "hospital_id": clock.hospital_id, "kecamatan": kecamatan, "case_type": case_type, "case_id": case_id,
            "due_at": wita_iso(clock.due_at), "warn_at": wita_iso(clock.warn_at),
            "escalate_at": wita_iso(clock.escalate_at), "lateness_seconds": lateness,
            "source": policy.source if policy else None}


def _insert(session: Session, new: list[Moved]) -> list[int]:
    if not new:
        return []
    rows = [_row(m.after) | {"case_type": m.case_type, "case_id": m.case_id, "kecamatan_code": m.kecamatan}
            for m in new]
    if len(rows) == 1:  # the common case: one plain INSERT ... RETURNING, no batching machinery
        return [session.execute(_INSERT_ONE, rows[0]).scalar_one()]
    return [row[0] for row in session.execute(_INSERT, rows)]


def _row(clock: Clock) -> dict[str, Any]:
    values = {name: getattr(clock, name) for name in _WRITTEN_FIELDS}  # (asdict would deep-copy every value)
    values["next_at"] = next_attention(clock)
    return values


_WRITTEN_FIELDS = [name for name in CLOCK_FIELDS if name != "id"]
_WRITTEN = [*_WRITTEN_FIELDS, "next_at"]
_INSERT = _clocks.insert().returning(_clocks.c.id, sort_by_parameter_order=True)
_INSERT_ONE = _clocks.insert().returning(_clocks.c.id)
_UPDATE = (_clocks.update().where(_clocks.c.id == sa.bindparam("_id"))
           .values({name: sa.bindparam(name) for name in _WRITTEN}))
_BREACH_UPDATE = (_breaches.update().where(_breaches.c.clock_id == sa.bindparam("_clock"))
                  .values({name: sa.bindparam(name) for name in ("met_at", "lateness", "escalated_at",
                                                                 "hospital_id")}))


def filtered(query: sa.Select, model: type, *, overdue: bool | None = None, due_before: datetime | None = None,
             now: datetime | None = None) -> sa.Select:
    """Cases with an open clock past its due time (`overdue`), or due before a moment (`due_before`)."""
    mine = [_clocks.c.case_type == model.case_type, _clocks.c.case_id == model.id]
    if overdue:
        late = sa.or_(_clocks.c.state == "breached",
                      sa.and_(_clocks.c.state == "running", _clocks.c.due_at <= (now or utcnow())))
        query = query.where(sa.exists().where(*mine, late))
    if due_before is not None:
        query = query.where(sa.exists().where(*mine, _clocks.c.state.in_(["running", "breached"]),
                                              _clocks.c.due_at < due_before))
    return query
