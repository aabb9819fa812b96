"""The write path of every case workflow (enrolment, claim), inside the caller's unit of work:

    case = lock_case(session, Claim, claim_id, scope)          # the row, locked; 404 outside the scope
    transition_case(session, case, actor=..., trigger=..., expected_version=..., data=..., triggers=TRIGGERS)

transition_case: stale version -> 409; the engine's candidates for (state, trigger, role) -> 403 or 409 with
a code; the trigger's schema validates the data -> 422; its facts are looked up; the engine chooses the one
row whose guards pass -> 409 naming the guard's reason; the shared machine fires that row; the trigger
applies its other changes; the version goes up, an audit event is appended to the case's hash chain and an
outbox event is emitted. The domain service owns the transaction (berjasa.transaction.unit_of_work)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases.triggers import Step, Triggers
from berjasa.db import utcnow
from berjasa.errors import Forbidden, InvalidTransition, NotFound, StaleVersion
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit, plain_json
from workflows.engine import GuardFailed, RoleNotAllowed, WorkflowError

Scope = Callable[[sa.Select], sa.Select]


def create_case(
    session: Session, case: Any, *, actor: Actor, data: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Insert a new case in its workflow's initial state, with its first audit event and a `<type>.created`
    event; return the audit event's values."""
    _require_transaction(session)
    case.state = case.workflow.initial
    case.version = 1
    session.add(case)
    session.flush()
    event = _append_event(session, case, actor, "create", None, reason, plain_json(dict(data or {})), utcnow())
    emit(session, f"{case.case_type}.created", case_type=case.case_type, case_id=case.id, case_version=1,
         payload={"to": case.state.value, "actor": actor.username})
    return event


def lock_case(session: Session, model: type, case_id: int, scope: Scope | None = None) -> Any:
    """The case row, locked for this transaction; 404 if it is unknown or outside the caller's scope."""
    _require_transaction(session)
    # populate_existing: a copy read earlier in the same transaction is refreshed from the locked row
    query = (sa.select(model).where(model.id == case_id).with_for_update(of=model)
             .execution_options(populate_existing=True))
    case = session.scalar(scope(query) if scope else query)
    if case is None:
        raise NotFound(f"No {model.case_type} {case_id}")
    return case


def transition_case(
    session: Session, case: Any, *, actor: Actor, trigger: str, expected_version: int, triggers: Triggers,
    data: Mapping[str, Any] | None = None, reason: str | None = None, config: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Fire `trigger` on a locked case for `actor`; return the new audit event's values."""
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
    workflow.fire(case, row)
    if spec.apply:
        spec.apply(step, case, loaded, facts)
    case.version += 1
    case.updated_at = step.now
    event = _append_event(session, case, actor, trigger, from_state, reason, recorded, step.now)
    emit(session, f"{case.case_type}.{trigger}", case_type=case.case_type, case_id=case.id,
         case_version=case.version, payload={"from": from_state, "to": case.state.value, "actor": actor.username},
         plain=True)
    return event


def _append_event(session: Session, case: Any, actor: Actor, trigger: str, from_state: str | None,
                  reason: str | None, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The next event of the case's chain, written with one INSERT. The case row keeps the chain's head
    (its version is the newest event's seq), so the previous event is read only when the head is unknown."""
    event = {
        "case_type": case.case_type, "case_id": case.id, "trigger": trigger, "from_state": from_state,
        "to_state": case.state.value, "actor_user_id": actor.user_id, "actor": actor.username,
        "role": actor.role.value, "party": actor.party_code, "reason": reason, "data": data,
        "created_at": now,
    }
    if from_state is None:
        previous = None
    elif case.last_event_hash is not None:
        previous = audit.Head(case.version - 1, case.last_event_hash)  # the version is bumped already
    else:
        previous = audit.last_event(session, case.case_type, case.id)
    audit.seal(event, previous)
    # the head is kept only while the case's version is its newest event's seq; otherwise events are read
    case.last_event_hash = event["hash"] if event["seq"] == case.version else None
    session.execute(CaseEvent.__table__.insert(), [event])
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
