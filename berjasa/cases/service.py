"""The write path of every case workflow (enrolment, claim), inside the caller's unit of work:

    case = lock_case(session, Claim, claim_id, scope)          # the row, locked; 404 outside the scope
    transition_case(session, case, actor=..., trigger=..., expected_version=..., data=..., triggers=TRIGGERS)

transition_case: stale version -> 409; the engine's candidates for (state, trigger, role) -> 403 or 409 with
a code; the trigger's schema validates the data -> 422; its facts are looked up; the engine chooses the one
row whose guards pass -> 409 naming the guard's reason; the shared machine fires that row; the trigger
applies its other changes; the version goes up, an audit event is appended to the case's hash chain and an
outbox event is emitted. The domain service owns the transaction (berjasa.transaction.unit_of_work)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from berjasa.auth.service import Actor
from berjasa.cases.triggers import Step, Triggers
from berjasa.db import utcnow
from berjasa.errors import Forbidden, InvalidTransition, NotFound, StaleVersion
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit, plain_json
from berjasa.metrics import counted_transition
from berjasa.sla import clocks
from workflows.engine import GuardFailed, RoleNotAllowed, WorkflowError
from workflows.sla import Clock

EVENT_INSERT = CaseEvent.__table__.insert()  # built once: one per transition


@dataclass(frozen=True)
class Outcome:
    """What a change of a case wrote: its audit event's values, and its SLA clocks as they now are."""

    event: dict[str, Any]
    clocks: list[Clock]


@dataclass(frozen=True)
class Scope:
    """What a caller may see of a case table: a filter with bind parameters (so that a statement built on it
    is built once per case type and scope name) and the parameters' values for this caller."""

    name: str = "all"
    where: Callable[[type], sa.ColumnElement[bool]] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, query: sa.Select, model: type) -> sa.Select:
        """`query` filtered to this scope, its parameters bound (for lists and other one-off queries)."""
        return query if self.where is None else query.where(self.where(model)).params(**self.params)


EVERYTHING = Scope()


@counted_transition(lambda **_: "create")
def create_case(
    session: Session, case: Any, *, actor: Actor, data: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> Outcome:
    """Insert a new case (an instance not in the session, its columns set) in its workflow's initial state,
    with its first audit event, a `<type>.created` event and its clocks; return what it wrote. The instance
    stays out of the session: it holds the case's values, id included, for the response."""
    _require_transaction(session)
    now = utcnow()
    case.state, case.version, case.created_at, case.updated_at = case.workflow.initial, 1, now, now
    table = type(case).__table__
    values = {column.key: case.__dict__[column.key] for column in table.columns if column.key in case.__dict__}
    case.id = session.execute(_insert_of(table), values).scalar_one()
    event = _next_event(session, case, actor, "create", case.state.value, reason, plain_json(dict(data or {})),
                        now, first=True)
    _write(session, case, {"last_event_hash": event["hash"]})
    session.execute(EVENT_INSERT, event)
    emit(session, f"{case.case_type}.created", case_type=case.case_type, case_id=case.id, case_version=1,
         payload={"to": case.state.value, "actor": actor.username})
    return Outcome(event, clocks.on_transition(session, case, trigger="created", from_state=None,
                                               to_state=case.state.value, at=now, data=event["data"], created=True))


def lock_case(session: Session, model: type, case_id: int, scope: Scope = EVERYTHING) -> Any:
    """The case row, locked for this transaction; 404 if it is unknown or outside the caller's scope."""
    _require_transaction(session)
    case = session.scalar(_case_query(model, scope.name, scope.where, lock=True), {"case_id": case_id, **scope.params})
    if case is None:
        raise NotFound(f"No {model.case_type} {case_id}")
    return case


def read_case(session: Session, model: type, case_id: int, scope: Scope = EVERYTHING) -> Any:
    """The case row as the caller may see it, or 404 (unknown or outside the caller's scope)."""
    case = session.scalar(_case_query(model, scope.name, scope.where, lock=False),
                          {"case_id": case_id, **scope.params})
    if case is None:
        raise NotFound(f"No {model.case_type} {case_id}")
    return case


@functools.cache
def _case_query(model: type, _scope: str, where: Callable[[type], sa.ColumnElement[bool]] | None,
                lock: bool) -> sa.Select:
    query = sa.select(model).where(model.id == sa.bindparam("case_id"))
    if where is not None:
        query = query.where(where(model))
    if lock:
        # populate_existing: a copy read earlier in the same transaction is refreshed from the locked row
        query = query.with_for_update(of=model).execution_options(populate_existing=True)
    return query


@counted_transition(lambda **kwargs: kwargs["trigger"])
def transition_case(
    session: Session, case: Any, *, actor: Actor, trigger: str, expected_version: int, triggers: Triggers,
    data: Mapping[str, Any] | None = None, reason: str | None = None, config: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Fire `trigger` on a locked case for `actor`; return its audit event and its clocks as they now are."""
    _require_transaction(session)
    if case.version != expected_version:
        raise StaleVersion(f"expected version {expected_version}, the case is at version {case.version}",
                           extra=_current(case))
    workflow = case.workflow
    from_state = case.state.value
    try:
        candidates = workflow.candidates(case.state, trigger, actor.role)
        spec = triggers[trigger]
        loaded, recorded = spec.validate(data or {})
        step = Step(session, actor, now or utcnow(), config or {})
        facts = spec.facts(step, case, loaded) if spec.facts else workflow.facts()
        row = workflow.choose(candidates, case, loaded, facts)
    except RoleNotAllowed as exc:
        raise Forbidden(str(exc), extra=_current(case)) from None
    except WorkflowError as exc:
        raise InvalidTransition(str(exc), extra={**_current(case), **_error_fields(exc)}) from None
    changes: dict[str, Any] = {"state": workflow.next_state(case.state, row)}
    if spec.effects:
        spec.effects(step, case, loaded, facts)
    if spec.apply:
        changes.update(spec.apply(step, case, recorded, facts) or {})
    changes.update(version=case.version + 1, updated_at=step.now)
    event = _next_event(session, case, actor, trigger, changes["state"].value, reason, recorded, step.now)
    # the head is kept only while the case's version is its newest event's seq; otherwise events are read
    changes["last_event_hash"] = event["hash"] if event["seq"] == changes["version"] else None
    _write(session, case, changes)
    session.execute(EVENT_INSERT, event)
    emit(session, f"{case.case_type}.{trigger}", case_type=case.case_type, case_id=case.id,
         case_version=case.version, payload={"from": from_state, "to": case.state.value, "actor": actor.username},
         plain=True)
    return Outcome(event, clocks.on_transition(session, case, trigger=trigger, from_state=from_state,
                                               to_state=case.state.value, at=step.now, data=recorded))


def _write(session: Session, case: Any, changes: dict[str, Any]) -> None:
    """The case row's new values in one UPDATE, then the same values on the loaded object as committed ones,
    so that nothing is left for the ORM to flush."""
    session.execute(_update_of(type(case).__table__), {**changes, "_case_id": case.id})
    for key, value in changes.items():
        set_committed_value(case, key, value)


@functools.cache
def _insert_of(table: sa.Table) -> sa.Insert:
    return table.insert().returning(table.c.id)


@functools.cache
def _update_of(table: sa.Table) -> sa.Update:
    # SET takes the columns named in the parameters; built once per table, compiled once per set of columns
    return table.update().where(table.c.id == sa.bindparam("_case_id"))


def _next_event(session: Session, case: Any, actor: Actor, trigger: str, to_state: str, reason: str | None,
                data: dict[str, Any], now: datetime, first: bool = False) -> dict[str, Any]:
    """The values of the case's next audit event, sealed onto its hash chain. The case row keeps the chain's
    head (its version is the newest event's seq), so the previous event is read only when the head is unknown
    (a row written by a bulk import)."""
    event = {
        "case_type": case.case_type, "case_id": case.id, "trigger": trigger,
        "from_state": None if first else case.state.value, "to_state": to_state, "actor_user_id": actor.user_id,
        "actor": actor.username, "role": actor.role.value, "party": actor.party_code, "reason": reason,
        "data": data, "created_at": now,
    }
    if first:
        previous = None
    elif case.last_event_hash is not None:
        previous = audit.Head(case.version, case.last_event_hash)
    else:
        previous = audit.last_event(session, case.case_type, case.id)
    audit.seal(event, previous)
    return event


def history(session: Session, case_type: str, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_type == case_type, CaseEvent.case_id == case_id)
        .order_by(CaseEvent.seq)
    ))


def _current(case: Any) -> dict[str, Any]:
    return {"state": case.state.value, "version": case.version}


def _error_fields(exc: WorkflowError) -> dict[str, Any]:
    fields: dict[str, Any] = {"code": exc.code, "trigger": exc.trigger}
    if isinstance(exc, GuardFailed):
        fields.update(guard=exc.guard, reason=exc.reason)
    return fields


def _require_transaction(session: Session) -> None:
    if not session.in_transaction():
        raise RuntimeError("case helpers run inside the caller's unit of work")
