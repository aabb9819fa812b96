"""The tamper-evident audit log: each case event hashes its content and the previous event's hash."""

from __future__ import annotations

import hashlib
import itertools
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
    event_id: int | None  # None when the case has no event left to name
    case_type: str
    case_id: int
    seq: int
    problem: str

    def __str__(self) -> str:
        if self.event_id is None:
            return f"{self.case_type} {self.case_id}: {self.problem}"
        return f"case_events id={self.event_id} ({self.case_type} {self.case_id}, seq {self.seq}): {self.problem}"

    def as_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "case_type": self.case_type, "case_id": self.case_id, "seq": self.seq,
                "problem": self.problem}


@dataclass
class VerifyResult:
    events: int = 0
    cases: int = 0
    first_break: Break | None = None
    broken_cases: int = 0

    def broken(self, found: Break) -> None:
        self.broken_cases += 1
        self.first_break = self.first_break or found


class CaseHead(NamedTuple):
    """What a case row says of its chain: its version is its newest event's seq, whose hash it keeps
    (`last_event_hash`; NULL for rows written by a bulk import, which are at version 1)."""

    id: int
    version: int
    last_event_hash: str | None


def verify(session: Session, batch: int = 2000, models: Mapping[str, Any] | None = None) -> VerifyResult:
    """Check every case: its chain of events (sequence, links, hashes) and the chain's end against the case
    row (version = newest seq, head hash = newest hash), so that an edited, removed or reordered event is found
    even when the events still chain, as after deleting the newest event or all of them, or editing the newest
    and recomputing its hash. Reports the first broken case (by case type and id) and counts the broken ones."""
    result = VerifyResult()
    models = case_models() if models is None else models
    case_types = sorted(set(models) | set(session.scalars(sa.select(CaseEvent.case_type).distinct())))
    for case_type in case_types:
        heads = _heads(session, models[case_type], batch) if case_type in models else None
        _verify_type(session, case_type, heads, batch, result)
    return result


def case_models() -> dict[str, Any]:
    """The case tables by case type: every mapped class with the case columns (berjasa.cases.models)."""
    from berjasa.cases.models import CaseMixin
    from berjasa.db import Base

    return {mapper.class_.case_type: mapper.class_ for mapper in Base.registry.mappers
            if issubclass(mapper.class_, CaseMixin)}


def _verify_type(session: Session, case_type: str, heads: Iterator[CaseHead] | None, batch: int,
                 result: VerifyResult) -> None:
    events = itertools.groupby(_events_of(session, case_type, batch), key=lambda e: e.case_id)
    chains = ((case_id, list(chain)) for case_id, chain in events)
    for head, chain in _merge(heads, chains):
        result.cases += 1
        result.events += len(chain)
        found = _check_chain(chain) or _check_head(case_type, head, chain)
        if found:
            result.broken(found)


def _merge(heads: Iterator[CaseHead] | None, chains: Iterator[tuple[int, list[CaseEvent]]]
           ) -> Iterator[tuple[CaseHead | None | bool, list[CaseEvent]]]:
    """Pair case rows and chains by case id (both in id order). A case type with no table yields (True, chain)
    (nothing to compare the chain with); a row without events ([]), events without a row (None)."""
    if heads is None:
        for _case_id, chain in chains:
            yield True, chain
        return
    head, (case_id, chain) = next(heads, None), next(chains, (None, None))
    while head is not None or case_id is not None:
        if case_id is None or (head is not None and head.id < case_id):
            yield head, []
            head = next(heads, None)
        elif head is None or case_id < head.id:
            yield None, chain
            case_id, chain = next(chains, (None, None))
        else:
            yield head, chain
            head, (case_id, chain) = next(heads, None), next(chains, (None, None))


def _check_chain(chain: list[CaseEvent]) -> Break | None:
    previous = None
    for event in chain:
        problem = _check(event, previous)
        if problem:
            return Break(event.id, event.case_type, event.case_id, event.seq, problem)
        previous = event
    return None


def _check_head(case_type: str, head: CaseHead | None | bool, chain: list[CaseEvent]) -> Break | None:
    if head is True:
        return None
    if head is None:
        first = chain[0]
        return Break(first.id, case_type, first.case_id, first.seq, "no case row has these events")
    if not chain:
        return Break(None, case_type, head.id, 0,
                     f"the case is at version {head.version} but has no audit events (all deleted?)")
    last = chain[-1]
    if last.seq != head.version:
        return Break(last.id, case_type, head.id, last.seq,
                     f"the chain ends at seq {last.seq} but the case is at version {head.version} "
                     "(newest events deleted?)")
    if head.last_event_hash is not None and head.last_event_hash != last.hash:
        return Break(last.id, case_type, head.id, last.seq,
                     "the case row's head hash does not match its newest event (edited and re-hashed?)")
    return None


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


def _heads(session: Session, model: Any, batch: int) -> Iterator[CaseHead]:
    query = sa.select(model.id, model.version, model.last_event_hash).order_by(model.id)
    for row in session.execute(query.execution_options(yield_per=batch)):
        yield CaseHead(*row)


def _events_of(session: Session, case_type: str, batch: int) -> Iterator[CaseEvent]:
    query = (sa.select(CaseEvent).where(CaseEvent.case_type == case_type)
             .order_by(CaseEvent.case_id, CaseEvent.seq))
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
