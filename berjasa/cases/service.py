"""The write path: lock, check version, role and scope, fire, bump the version, audit, outbox.

These helpers run inside the caller's unit of work; the domain service owns the transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import utcnow
from berjasa.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed, flatten_messages
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit, plain_json
from workflows.engine import GuardFailed, RoleNotAllowed, Transition, WorkflowError

Scope = Callable[[sa.Select], sa.Select]
DataSchemas = Mapping[str, type[ma.Schema]]


def create_case(
    session: Session, case: Any, *, actor: Actor, data: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> CaseEvent:
    """Insert a new case in its workflow's initial state, with its first audit event and a `<type>.created` event."""
    _require_transaction(session)
    case.state = case.workflow.initial
    case.version = 1
    session.add(case)
    session.flush()
    event = _append_event(session, case, actor, "create", None, reason, plain_json(dict(data or {})), first=True)
    emit(session, f"{case.case_type}.created", case_type=case.case_type, case_id=case.id, case_version=1,
         payload={"to": case.state.value, "actor": actor.username})
    return event


def load_for_update(session: Session, model: type, case_id: int, scope: Scope | None = None) -> Any:
    """The case row, locked for this transaction; 404 if it is unknown or outside the caller's scope."""
    # populate_existing: a copy read earlier in the same transaction is refreshed from the locked row
    query = sa.select(model).where(model.id == case_id).with_for_update().execution_options(populate_existing=True)
    case = session.scalar(scope(query) if scope else query)
    if case is None:
        raise NotFound(f"No {model.case_type} {case_id}")
    return case


def transition_case(
    session: Session, model: type, case_id: int, *, actor: Actor, trigger: str, expected_version: int,
    data: Mapping[str, Any] | None = None, reason: str | None = None, scope: Scope | None = None,
    data_schemas: DataSchemas | None = None,
    facts: Mapping[str, Any] | Callable[[Any, Mapping[str, Any]], Mapping[str, Any]] | None = None,
    case: Any = None,
) -> tuple[Any, CaseEvent]:
    """Fire `trigger` on a case for `actor`; returns the case and its new audit event.

    `case` is the row when the caller has locked it already (load_for_update), so it is not read twice."""
    _require_transaction(session)
    if case is None:
        case = load_for_update(session, model, case_id, scope)
    if case.version != expected_version:
        raise StaleVersion(
            f"expected version {expected_version}, the case is at version {case.version}",
            extra=_current(case),
        )
    workflow = case.workflow
    from_state = _value(case.state)
    try:
        row = workflow.candidates(case.state, trigger, actor.role)[0]
        clean = _validate(row, data or {}, data_schemas or {})
        known = facts(case, clean) if callable(facts) else facts  # looked up once the data is known good
        row = workflow.fire(case, trigger, actor.role, clean, known or {})
    except RoleNotAllowed as exc:
        raise Forbidden(str(exc), extra=_current(case)) from None
    except WorkflowError as exc:
        raise InvalidTransition(str(exc), extra={**_current(case), **_error_fields(exc)}) from None
    return case, _record(session, case, actor, row, reason, clean, from_state)


def _record(session: Session, case: Any, actor: Actor, row: Transition, reason: str | None,
            data: Mapping[str, Any], from_state: str | None) -> CaseEvent:
    case.version += 1
    case.updated_at = utcnow()
    event = _append_event(session, case, actor, row.trigger, from_state, reason, plain_json(dict(data)))
    emit(session, f"{case.case_type}.{row.trigger}", case_type=case.case_type, case_id=case.id,
         case_version=case.version, payload={"from": event.from_state, "to": event.to_state,
                                             "actor": actor.username})
    return event


def _append_event(session: Session, case: Any, actor: Actor, trigger: str, from_state: str | None,
                  reason: str | None, data: dict[str, Any], first: bool = False) -> CaseEvent:
    event = CaseEvent(
        case_type=case.case_type, case_id=case.id, trigger=trigger, from_state=from_state,
        to_state=_value(case.state), actor_user_id=actor.user_id, actor=actor.username, role=actor.role.value,
        party=actor.party_code, reason=reason, data=data, created_at=utcnow(),
    )
    if first:
        previous = None
    elif case.last_event_hash is not None:
        previous = audit.Head(case.version - 1, case.last_event_hash)  # _record has bumped the version
    else:
        previous = audit.last_event(session, case.case_type, case.id)
    audit.seal(event, previous)
    # the head is kept only while the case's version is its newest event's seq; otherwise events are read
    case.last_event_hash = event.hash if event.seq == case.version else None
    session.add(event)
    return event


def _validate(row: Transition, data: Mapping[str, Any], schemas: DataSchemas) -> dict[str, Any]:
    if row.schema is None:
        if data:
            raise ValidationFailed(f"{row.trigger!r} takes no data", errors={"data": ["must be empty"]})
        return {}
    schema = schemas.get(row.schema)
    if schema is None:
        raise LookupError(f"no data schema {row.schema!r} for {row.trigger!r}")
    try:
        return schema().dump(schema().load(data))
    except ma.ValidationError as exc:
        errors = flatten_messages(exc.messages, "data")
        raise ValidationFailed(f"Invalid data for {row.trigger!r}: {', '.join(sorted(errors))}",
                               errors=errors) from None


def history(session: Session, case_type: str, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_type == case_type, CaseEvent.case_id == case_id)
        .order_by(CaseEvent.seq)
    ))


def allowed_triggers(case: Any, actor: Actor) -> list[str]:
    return case.workflow.allowed_triggers(case, actor.role)


def _current(case: Any) -> dict[str, Any]:
    return {"state": _value(case.state), "version": case.version}


def _error_fields(exc: WorkflowError) -> dict[str, Any]:
    fields: dict[str, Any] = {"code": exc.code, "trigger": exc.trigger}
    if isinstance(exc, GuardFailed):
        fields.update(guard=exc.guard, reason=exc.reason)
    return fields


def _value(state: Any) -> str | None:
    return None if state is None else getattr(state, "value", str(state))


def _require_transaction(session: Session) -> None:
    if not session.in_transaction():
        raise RuntimeError("case helpers run inside the caller's unit of work")
