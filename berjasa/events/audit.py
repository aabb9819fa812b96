"""The tamper-evident audit log: each case event hashes its content and the previous event's hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.events.models import CaseEvent

GENESIS = "0" * 64
HASHED_FIELDS = ("case_type", "case_id", "seq", "trigger", "from_state", "to_state", "actor_user_id", "actor",
                 "role", "party", "reason", "data")


def canonical(event: CaseEvent | Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: sorted-key compact JSON of the event's content and its predecessor's hash.
    `event` is a stored row or the values of one about to be written."""
    get = event.__getitem__ if isinstance(event, Mapping) else event.__getattribute__
    content = {name: get(name) for name in HASHED_FIELDS}
    content["created_at"] = get("created_at").astimezone(UTC).isoformat(timespec="microseconds")
    content["prev_hash"] = get("prev_hash")
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


class Head(NamedTuple):
    """Where a case's chain ends: its newest event's seq and hash."""

    seq: int
    hash: str


def seal(event: dict[str, Any], previous: CaseEvent | Head | None) -> None:
    """Set seq, prev_hash and hash of a new event's values, following `previous` (None for a case's first)."""
    event["seq"] = previous.seq + 1 if previous else 1
    event["prev_hash"] = previous.hash if previous else GENESIS
    event["hash"] = hashlib.sha256(canonical(event)).hexdigest()


def last_event(session: Session, case_type: str, case_id: int) -> CaseEvent | None:
    return session.scalar(
        sa.select(CaseEvent).where(CaseEvent.case_type == case_type, CaseEvent.case_id == case_id)
        .order_by(CaseEvent.seq.desc()).limit(1)
    )


@dataclass(frozen=True)
class Break:
    event_id: int
    case_type: str
    case_id: int
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"case_events id={self.event_id} ({self.case_type} {self.case_id}, seq {self.seq}): {self.problem}"


@dataclass
class VerifyResult:
    events: int = 0
    cases: int = 0
    first_break: Break | None = None
    broken_cases: int = 0


def verify(session: Session, batch: int = 2000) -> VerifyResult:
    """Walk every case's chain in order; report the first broken event (and count broken cases)."""
    result = VerifyResult()
    current: tuple[str, int] | None = None
    previous: CaseEvent | None = None
    case_broken = False
    for event in _all_events(session, batch):
        key = (event.case_type, event.case_id)
        if key != current:
            current, previous, case_broken = key, None, False
            result.cases += 1
        result.events += 1
        problem = None if case_broken else _check(event, previous)
        if problem:
            case_broken = True
            result.broken_cases += 1
            result.first_break = result.first_break or Break(event.id, event.case_type, event.case_id, event.seq,
                                                             problem)
        previous = event
    return result


def _check(event: CaseEvent, previous: CaseEvent | None) -> str | None:
    expected_seq = previous.seq + 1 if previous else 1
    if event.seq != expected_seq:
        return f"sequence gap: expected seq {expected_seq}"
    expected_prev = previous.hash if previous else GENESIS
    if event.prev_hash != expected_prev:
        return "prev_hash does not match the previous event's hash"
    if hashlib.sha256(canonical(event)).hexdigest() != event.hash:
        return "content does not match its hash (edited after it was written)"
    return None


def _all_events(session: Session, batch: int) -> Iterator[CaseEvent]:
    query = sa.select(CaseEvent).order_by(CaseEvent.case_type, CaseEvent.case_id, CaseEvent.seq)
    yield from session.scalars(query.execution_options(yield_per=batch))


def append(session: Session, *, case_type: str, case_id: int, trigger: str, actor: Any, state: str,
           data: dict[str, Any], reason: str | None = None, at: Any = None) -> dict[str, Any]:
    """Append an audit event for something that is not a case with its own row (a calendar override, an SLA
    breach's justification): it gets a chain of its own, `case_type`/`case_id` naming it. Inside the caller's
    unit of work."""
    from berjasa.db import utcnow

    event = {"case_type": case_type, "case_id": case_id, "trigger": trigger, "from_state": state, "to_state": state,
             "actor_user_id": actor.user_id, "actor": actor.username, "role": actor.role.value,
             "party": actor.party_code, "reason": reason, "data": data, "created_at": at or utcnow()}
    previous = last_event(session, case_type, case_id)
    seal(event, previous)
    session.execute(CaseEvent.__table__.insert(), event)
    return event
