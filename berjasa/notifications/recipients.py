"""Who a rule's audiences are for one event: read from the case (and the event's own audit entry) when the event
is handled. An audience is a role within a party, `Audience(role, party_id)`; its key names it once, so the
same hospital named twice (reporting and treating) gets one notification."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from berjasa.claims.models import Claim
from berjasa.events.contract import Event
from berjasa.events.models import CaseEvent
from berjasa.parties.models import Party, PartyKind
from workflows.roles import Role


class Audience(NamedTuple):
    role: str
    party_id: int

    @property
    def key(self) -> str:
        return f"{self.role}@{self.party_id}"


@dataclass
class Context:
    """What the rules and their messages read of one event: the claim or enrolment facts, the transition's data."""

    event: Event
    facts: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


#: The parties of Disnaker and BPJS by engine (they never change once they exist).
_home_parties: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()


def home_parties(session: Session) -> dict[str, int]:
    """The id of Disnaker's and BPJS's party (the first of each kind, as users are bound to it)."""
    known = _home_parties.get(session.get_bind())
    if known is None or len(known) < 2:
        rows = session.execute(sa.select(Party.kind, sa.func.min(Party.id)).where(
            Party.kind.in_([PartyKind.DISNAKER, PartyKind.BPJS])).group_by(Party.kind))
        known = {kind.value: party_id for kind, party_id in rows}
        _home_parties[session.get_bind()] = known
    return known


def contexts(session: Session, events: Sequence[Event]) -> list[Context]:
    """Each event's context, read for the whole batch at once: claims, their reporting parties, audit data."""
    found = [Context(e) for e in events]
    # a claim's own transitions read the claim; sla.* events carry what they need in their payload
    claim_ids = {e.case_id for e in events if e.event_type.startswith("claim.") and e.case_id is not None}
    claims: dict[int, Any] = {}
    if claim_ids:
        reporter = aliased(Party)
        rows = session.execute(
            sa.select(Claim.id, Claim.hospital_id, Claim.reporting_party_id, Claim.paid_total, reporter.kind,
                      reporter.name)
            .join(reporter, reporter.id == Claim.reporting_party_id).where(Claim.id.in_(claim_ids)))
        claims = {row.id: row for row in rows}
    data = _transition_data(session, [e for e in events if e.case_version is not None and e.case_id is not None
                                      and not e.event_type.endswith(".created")])
    discrepancies = _discrepancies(session, {e.case_id for e in events if e.case_type == "discrepancy"})
    for context in found:
        event = context.event
        context.facts["case_type"] = event.case_type
        if event.case_type == "discrepancy" and event.case_id in discrepancies:
            context.facts.update(discrepancies[event.case_id])
        claim = claims.get(event.case_id) if event.case_type == "claim" else None
        if claim is not None:
            context.facts.update(hospital_id=claim.hospital_id, reporting_party_id=claim.reporting_party_id,
                                 reporting_party_kind=claim.kind.value, reporter=claim.name,
                                 paid_total=claim.paid_total)
        context.data = data.get((event.case_type, event.case_id, event.case_version), {})
    return found


def _discrepancies(session: Session, ids: set[Any]) -> dict[int, dict[str, Any]]:
    """A discrepancy's responsible party (and hospital) and its check, which its events' rules read."""
    from berjasa.discrepancies.models import Discrepancy

    ids.discard(None)
    if not ids:
        return {}
    rows = session.execute(sa.select(Discrepancy.id, Discrepancy.party, Discrepancy.hospital_id, Discrepancy.check)
                           .where(Discrepancy.id.in_(ids)))
    return {row.id: {"party": row.party, "hospital_id": row.hospital_id, "check": row.check} for row in rows}


def _transition_data(session: Session, events: Iterable[Event]) -> dict[tuple[str, int, int], dict[str, Any]]:
    keys = {(e.case_type, e.case_id, e.case_version) for e in events}
    if not keys:
        return {}
    rows = session.execute(sa.select(CaseEvent.case_type, CaseEvent.case_id, CaseEvent.seq, CaseEvent.data)
                           .where(sa.tuple_(CaseEvent.case_type, CaseEvent.case_id, CaseEvent.seq).in_(list(keys))))
    return {(t, i, s): d or {} for t, i, s, d in rows}


def resolve(session: Session, audiences: Iterable[str], context: Context) -> list[Audience]:
    """The rule's audiences for this event, each once (an audience the case lacks, e.g. no hospital yet, is none)."""
    home = home_parties(session)
    found: dict[str, Audience] = {}
    for name in audiences:
        for audience in _one(session, name, context, home):
            found.setdefault(audience.key, audience)
    return list(found.values())


def _one(session: Session, name: str, context: Context, home: Mapping[str, int]) -> list[Audience]:
    disnaker, bpjs = home.get("disnaker"), home.get("bpjs")
    fixed = {"caseworkers": (Role.CASEWORKER, disnaker), "supervisors": (Role.SUPERVISOR, disnaker),
             "admins": (Role.ADMIN, disnaker), "bpjs_officers": (Role.BPJS_OFFICER, bpjs)}
    if name in fixed:
        role, party = fixed[name]
        return [Audience(role.value, party)] if party is not None else []
    if name == "responsible":
        payload, facts = context.event.payload, context.facts
        if payload.get("party"):
            return _of_party(session, payload.get("party"), payload.get("hospital_id"), home)
        return _of_party(session, facts.get("party"), facts.get("hospital_id"), home)
    if name == "treating_hospital":
        return _hospital(context.facts.get("hospital_id"))
    if name == "receiving_hospital":
        return _hospital(hospital_id(session, context.data.get("hospital")))
    if name == "reporting_party":
        kind = context.facts.get("reporting_party_kind")
        return _of_party(session, kind, context.facts.get("reporting_party_id"), home)
    raise ValueError(f"unknown audience {name!r}")


def _of_party(session: Session, kind: str | None, party_id: int | None, home: Mapping[str, int]) -> list[Audience]:
    """A party's people: Disnaker's caseworkers, BPJS's officers, a hospital's staff."""
    if kind == "hospital":
        return _hospital(party_id)
    if kind == "disnaker" and home.get("disnaker") is not None:
        return [Audience(Role.CASEWORKER.value, home["disnaker"])]
    if kind == "bpjs" and home.get("bpjs") is not None:
        return [Audience(Role.BPJS_OFFICER.value, home["bpjs"])]
    return []


def _hospital(party_id: int | None) -> list[Audience]:
    return [Audience(Role.HOSPITAL_STAFF.value, party_id)] if party_id is not None else []


def hospital_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    return session.scalar(sa.select(Party.id).where(Party.code == code, Party.kind == PartyKind.HOSPITAL))
