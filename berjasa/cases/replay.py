"""A case as it stood at a moment, rebuilt from its audit log: its state and version, the columns its triggers
change (each trigger's `apply` run again on the data its event recorded, with the facts made again from that data),
and its SLA clocks (replayed as `berjasa sla rebuild` does, with the policies and calendar in force, and evaluated
at that moment). Columns no trigger changes (a claim's report, its flags) are the case row's own."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from berjasa.auth.service import Actor
from berjasa.calendar.service import StoredCalendar
from berjasa.cases.triggers import TABLES, Step
from berjasa.db import utcnow
from berjasa.errors import NotFound, ValidationFailed
from berjasa.events.models import CaseEvent
from berjasa.parties.models import Party
from berjasa.sla import policies as policy_store
from berjasa.sla.models import ClockRow
from berjasa.sla.rebuild import replay as replay_clocks
from berjasa.time import wita_iso
from workflows.roles import Role
from workflows.sla import Clock


@dataclass(frozen=True)
class AsOf:
    """The case (a copy, in no session) as it stood at `at`, its clocks then, and the events that made it."""

    case: Any
    clocks: list[Clock]
    events: list[Any]  # the audit events' rows (seq, trigger, states, actor, data, created_at ...)
    at: datetime


_events, _clocks = CaseEvent.__table__, ClockRow.__table__
#: A case's audit events up to a moment: what a replay reads of them (rows, not ORM objects: read often, never changed).
EVENTS_UNTIL = (sa.select(*(_events.c[name] for name in ("seq", "trigger", "from_state", "to_state", "actor_user_id",
                                                          "actor", "role", "party", "data", "created_at")))
                .where(_events.c.case_type == sa.bindparam("case_type"), _events.c.case_id == sa.bindparam("case_id"),
                       _events.c.created_at <= sa.bindparam("at", type_=_events.c.created_at.type))
                .order_by(_events.c.seq))
#: The ids of a case's stored clocks, by policy and run (a replayed clock shows the id of its stored run).
CLOCK_IDS = (sa.select(_clocks.c.policy, _clocks.c.run, _clocks.c.id)
             .where(_clocks.c.case_type == sa.bindparam("case_type"), _clocks.c.case_id == sa.bindparam("case_id")))


def events_until(session: Session, case_type: str, case_id: int, at: datetime) -> list[Any]:
    return session.execute(EVENTS_UNTIL, {"case_type": case_type, "case_id": case_id, "at": at}).all()


def case_as_of(session: Session, case: Any, at: datetime) -> AsOf:
    """Rebuild `case` (its current row, which the caller may see) as it stood at `at`; 404 if it did not exist yet,
    422 for a moment still to come."""
    if at > utcnow():
        raise ValidationFailed("as_of is in the future", errors={"query.as_of": ["must not be in the future"]})
    events = events_until(session, case.case_type, case.id, at)
    if not events:
        raise NotFound(f"{case.case_type} {case.id} did not exist at {wita_iso(at)}")
    hospitals = dict(session.execute(sa.select(Party.code, Party.id)).tuples().all())
    snapshot = replay_case(case, events, hospitals.get)
    clocks = replay_clocks(policy_store.in_force(), StoredCalendar(session), snapshot, events, hospitals, at)
    stored = {(policy, run): clock_id for policy, run, clock_id in session.execute(
        CLOCK_IDS, {"case_type": case.case_type, "case_id": case.id})}
    clocks = [_with_id(clock, stored.get((clock.policy, clock.run))) for clock in clocks]
    return AsOf(snapshot, clocks, events, at)


def replay_case(case: Any, events: list[Any], hospital_id) -> Any:
    """A copy of `case` with the columns its events set, replayed from the first event to the last given."""
    model = type(case)
    triggers = TABLES[model.workflow.name]
    snapshot = model()
    for column in model.__table__.columns:
        set_committed_value(snapshot, column.key, getattr(case, column.key))
    for name in ("participant_name", "kecamatan_code", "participant"):
        if name in model.__mapper__.attrs:
            set_committed_value(snapshot, name, getattr(case, name))
    created = events[0]
    _set(snapshot, {**triggers.initial(created.data), "state": model.workflow.states(created.to_state),
                    "version": created.seq, "created_at": created.created_at, "updated_at": created.created_at})
    for event in events[1:]:
        spec = triggers[event.trigger]
        changes: dict[str, Any] = {"state": model.workflow.states(event.to_state)}
        if spec.apply:
            step = Step(None, _actor(event), event.created_at)  # type: ignore[arg-type]  (apply reads no session)
            facts = triggers.recorded_facts(hospital_id, event.data, event.created_at)
            changes.update(spec.apply(step, snapshot, event.data, facts) or {})
        _set(snapshot, {**changes, "version": event.seq, "updated_at": event.created_at})
    return snapshot


def _set(snapshot: Any, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        set_committed_value(snapshot, key, value)


def _actor(event: Any) -> Actor:
    return Actor(event.actor_user_id, event.actor, Role(event.role), None, None, event.party)


def _with_id(clock: Clock, clock_id: int | None) -> Clock:
    return replace(clock, id=clock_id)
