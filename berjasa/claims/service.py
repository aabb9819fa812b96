"""Claims: report (idempotent), scoped reads, transitions. What each trigger does is claims/triggers.py."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.cases.replay import AsOf, case_as_of
from berjasa.cases.timeline import Entry, timeline
from berjasa.claims import scope
from berjasa.claims.models import Claim, IdempotencyKey
from berjasa.claims.responses import claim_response
from berjasa.claims.triggers import TRIGGERS
from berjasa.db import read_only, utcnow
from berjasa.errors import Conflict, Forbidden, NotFound, ValidationFailed
from berjasa.pagination import Page, paginate
from berjasa.parties.models import Party, PartyKind
from berjasa.registry.models import Participant
from berjasa.registry.nik import NikError, parse_nik
from berjasa.registry.service import participant_as_of
from berjasa.sla import clocks
from berjasa.sla.models import ClockRow
from berjasa.time import WITA
from berjasa.transaction import unit_of_work
from workflows.roles import Role
from workflows.sla import Clock

STAGE1_HOURS = 48  # "2x24 jam" after the accident, wall clock (Permenaker 1/2025 Art. 8)


# ---------------------------------------------------------------- create
def create_claim(
    *, session: Session, actor: Actor, data: Mapping[str, Any], idempotency_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Report an accident; return (the response, replayed). With an Idempotency-Key, a retry returns the
    first response as it was (replayed = True)."""
    request_hash = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    if idempotency_key:
        replay = _replay(session, actor, idempotency_key, request_hash)
        if replay is not None:
            return replay, True
    try:
        with unit_of_work(session):
            claim, outcome = _new_claim(session, actor, data)
            body = claim_response(session, actor, claim, outcome.clocks)
            if idempotency_key:
                session.add(IdempotencyKey(user=actor.username, key=idempotency_key, request_hash=request_hash,
                                           status=201, body=body))
    except IntegrityError:
        replay = _replay(session, actor, idempotency_key, request_hash) if idempotency_key else None
        if replay is None:
            raise
        return replay, True  # a concurrent retry won the race; this one returns its response
    return body, False


def _replay(session: Session, actor: Actor, key: str, request_hash: str) -> dict[str, Any] | None:
    with read_only(session):
        stored = session.get(IdempotencyKey, (actor.username, key))
    if stored is None:
        return None
    if stored.request_hash != request_hash:
        raise Conflict("This Idempotency-Key was used for a different request",
                       errors={"Idempotency-Key": ["already used with another body"]})
    return stored.body


def _new_claim(session: Session, actor: Actor, data: Mapping[str, Any]) -> tuple[Claim, cases.Outcome]:
    try:
        nik = parse_nik(data["nik"]).nik
    except NikError as exc:
        raise ValidationFailed(f"Invalid NIK: {exc.reason}", errors={"nik": [exc.reason]}) from None
    now = utcnow()
    accident_at = data["accident_at"]
    if accident_at > now + timedelta(minutes=5):
        raise ValidationFailed("The accident cannot be in the future", errors={"accident_at": ["is in the future"]})
    hospital_id, hospital_code = _reporting_hospital(session, actor, data.get("hospital"))
    person = session.execute(PERSON_BY_NIK, {"nik": nik}).first()
    participant_id = person.id if person else None
    claim = Claim(
        nik=nik, participant_id=participant_id, accident_at=accident_at, place=data["place"],
        accident_type=data["accident_type"], chronology=data["chronology"], injury=data["injury"],
        reporter_name=data["reporter_name"], reporter_phone=data["reporter_phone"], reported_by=actor.username,
        reporting_party_id=actor.party_id, hospital_id=None, care={},
        late_stage1_report=now - accident_at > timedelta(hours=STAGE1_HOURS),
        participant_unknown=participant_id is None,
        possible_duplicate=_duplicate_exists(session, nik, accident_at),
        verified=False, referred=False,
    )
    # known already: not read again
    set_committed_value(claim, "participant_name", person.name if person else None)
    set_committed_value(claim, "kecamatan_code", person.kecamatan_code if person else None)
    outcome = cases.create_case(session, claim, actor=actor, data={"nik_known": participant_id is not None,
                                                                    "hospital": hospital_code})
    scope.link(session, claim.id, actor.party_id if actor.role is Role.HOSPITAL_STAFF else None, "reported")
    if hospital_id is not None and hospital_id != actor.party_id:
        scope.link(session, claim.id, hospital_id, "named")
    return claim, outcome


def _reporting_hospital(session: Session, actor: Actor, code: str | None) -> tuple[int | None, str | None]:
    """The (id, code) of the hospital a report names: hospital staff always name their own."""
    if actor.role is Role.HOSPITAL_STAFF:
        if code and code != actor.party_code:
            raise Forbidden("Hospital staff report for their own hospital only")
        return actor.party_id, actor.party_code
    if not code:
        return None, None
    hospital_id = session.scalar(sa.select(Party.id).where(Party.kind == PartyKind.HOSPITAL, Party.code == code))
    if hospital_id is None:
        raise ValidationFailed("Unknown hospital", errors={"hospital": [f"no hospital {code!r}"]})
    return hospital_id, code


_people = Participant.__table__
PERSON_BY_NIK = sa.select(_people.c.id, _people.c.name, _people.c.kecamatan_code).where(
    _people.c.nik == sa.bindparam("nik"))
# One open claim per (NIK, accident date) is the invariant DOMAIN.md suggests: an open claim of the same NIK
# within a day either side is flagged.
OPEN_CLAIM_NEAR = sa.select(sa.exists().where(scope.duplicate_filter()))


def _duplicate_exists(session: Session, nik: str, accident_at: datetime) -> bool:
    window = scope.DUPLICATE_WINDOW
    return bool(session.scalar(OPEN_CLAIM_NEAR, {"nik": nik, "since": accident_at - window,
                                                 "until": accident_at + window}))


# ---------------------------------------------------------------- read
def get_claim(*, session: Session, actor: Actor, claim_id: int) -> Claim:
    with read_only(session):
        return cases.read_case(session, Claim, claim_id, scope.visible(actor))


def get_claim_with_clocks(*, session: Session, actor: Actor, claim_id: int) -> tuple[Claim, list[Clock]]:
    """The claim as the caller may see it, and its SLA clocks."""
    with read_only(session):
        claim = cases.read_case(session, Claim, claim_id, scope.visible(actor))
        return claim, clocks.of_case(session, "claim", claim_id)


def claim_as_of(*, session: Session, actor: Actor, claim_id: int, at: datetime) -> AsOf:
    """The claim as it stood at `at`, rebuilt from its audit log (the caller must be able to see it now), with the
    person's name as the registry recorded it then."""
    with read_only(session):
        past = case_as_of(session, cases.read_case(session, Claim, claim_id, scope.visible(actor)), at)
        if past.case.participant_id is not None:
            person = participant_as_of(session, session.get(Participant, past.case.participant_id), at)
            set_committed_value(past.case, "participant_name", person.name)
            set_committed_value(past.case, "kecamatan_code", person.kecamatan_code)
    return past


def list_claims(*, session: Session, actor: Actor, page: int, per_page: int, **filters: Any
                ) -> tuple[Page, dict[int, list[Clock]]]:
    """A page of the claims the caller may see, newest report first, and their clocks."""
    query = scope.visible(actor).apply(sa.select(Claim), Claim).order_by(Claim.created_at.desc(), Claim.id.desc())
    query = _filtered(query, **filters)
    with read_only(session):
        found = paginate(session, query, page=page, per_page=per_page)
        return found, clocks.of_cases(session, "claim", [c.id for c in found.items])


#: BPJS's queues: the claims whose clock of this policy runs (BPJS answers for it), in these states, due first.
QUEUES = {"verification": ("claim.bpjs_decision", ("reported", "hospital_care")),
          "payment": ("claim.payment", ("under_review", "approved"))}


def claim_queue(*, session: Session, actor: Actor, queue: str, page: int, per_page: int
                ) -> tuple[Page, dict[int, list[Clock]]]:
    """A page of a BPJS queue (QUEUES), the claim whose clock falls due first at the top, and their clocks."""
    policy, states = QUEUES[queue]
    open_clock = sa.and_(ClockRow.case_type == "claim", ClockRow.case_id == Claim.id, ClockRow.policy == policy,
                         ClockRow.state.in_(("running", "breached")))
    query = (scope.visible(actor).apply(sa.select(Claim).join(ClockRow, open_clock), Claim)
             .where(Claim.state.in_(states)).order_by(ClockRow.due_at, Claim.id))
    with read_only(session):
        found = paginate(session, query, page=page, per_page=per_page)
        return found, clocks.of_cases(session, "claim", [c.id for c in found.items])


def list_participant_claims(*, session: Session, actor: Actor, participant_id: int, page: int, per_page: int
                            ) -> tuple[Page, dict[int, list[Clock]]]:
    """A registered person's claims, newest first, as the caller may see them (404 for an unknown person)."""
    with read_only(session):
        if session.get(Participant, participant_id) is None:
            raise NotFound(f"No participant {participant_id}")
    return list_claims(session=session, actor=actor, page=page, per_page=per_page, participant_id=participant_id)


def _filtered(query: sa.Select, *, state=None, hospital=None, kecamatan=None, reported_from=None,
              reported_to=None, flag=None, q=None, participant_id=None, overdue=None, due_before=None) -> sa.Select:
    if participant_id is not None:
        query = query.where(Claim.participant_id == participant_id)
    if state:
        query = query.where(Claim.state == state)
    if hospital:
        query = query.where(Claim.hospital_id == sa.select(Party.id).where(Party.code == hospital).scalar_subquery())
    if kecamatan:
        query = query.where(Claim.participant_id.in_(
            sa.select(Participant.id).where(Participant.kecamatan_code == kecamatan)))
    if reported_from:
        query = query.where(Claim.created_at >= _start_of(reported_from))
    if reported_to:
        query = query.where(Claim.created_at < _start_of(reported_to) + timedelta(days=1))
    if flag:
        query = query.where(getattr(Claim, flag))  # as the partial index says it, so that it is used
    query = clocks.filtered(query, Claim, overdue=overdue, due_before=due_before)
    if q:
        query = query.where(Claim.nik == q.strip()) if q.strip().isdigit() else query.where(
            Claim.participant_id.in_(sa.select(Participant.id).where(Participant.name.ilike(f"%{q.strip()}%"))))
    return query


def _start_of(day) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=WITA)


def history(*, session: Session, actor: Actor, claim_id: int) -> list:
    get_claim(session=session, actor=actor, claim_id=claim_id)
    with read_only(session):
        return cases.history(session, "claim", claim_id)


def claim_timeline(*, session: Session, actor: Actor, claim_id: int) -> list[Entry]:
    """Everything that happened to the claim, oldest first, as far as the caller may see it."""
    with read_only(session):
        cases.read_case(session, Claim, claim_id, scope.visible(actor))
        return timeline(session, actor, "claim", claim_id)


# ---------------------------------------------------------------- transitions
def transition(
    *, session: Session, actor: Actor, claim_id: int, trigger: str, expected_version: int,
    data: Mapping[str, Any] | None = None, reason: str | None = None,
) -> tuple[Claim, list[Clock]]:
    """Fire a trigger; return the claim as it now is, and its clocks."""
    with unit_of_work(session):
        claim = cases.lock_case(session, Claim, claim_id, scope.visible(actor))
        if not scope.may_act(actor, claim):
            raise Forbidden("Your hospital can see this claim but no longer treats it")
        outcome = cases.transition_case(session, claim, actor=actor, trigger=trigger,
                                        expected_version=expected_version, data=data, reason=reason,
                                        triggers=TRIGGERS)
    return claim, outcome.clocks
