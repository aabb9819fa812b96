"""Claims: report (idempotent), scoped reads, transitions with their facts and side effects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.claims.models import AccidentType, Claim, ClaimHospital, IdempotencyKey
from berjasa.claims.schemas import DATA_SCHEMAS
from berjasa.db import read_only, unit_of_work, upsert, utcnow
from berjasa.enrolment.coverage import coverage_on
from berjasa.errors import Conflict, Forbidden, NotFound, ValidationFailed
from berjasa.pagination import Page, paginate
from berjasa.parties.models import Party, PartyKind
from berjasa.parties.service import party_codes
from berjasa.registry.models import Participant
from berjasa.registry.nik import NikError, parse_nik
from berjasa.time import WITA
from workflows.claim import OPEN_STATES
from workflows.roles import Role

STAGE1_HOURS = 48  # "2x24 jam" after the accident, wall clock (Permenaker 1/2025 Art. 8)
EXPIRY_YEARS = 5  # PP 82/2019 Art. 26
BASE_DOCUMENTS = ("kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses")


# ---------------------------------------------------------------- scope
def visible(actor: Actor) -> Callable[[sa.Select], sa.Select]:
    """What a caller may see: hospitals only claims they reported or treat or treated; others everything."""
    if actor.role is not Role.HOSPITAL_STAFF:
        return lambda query: query
    mine = sa.select(ClaimHospital.claim_id).where(ClaimHospital.hospital_id == actor.party_id)
    return lambda query: query.where(Claim.id.in_(mine))


def _may_act(actor: Actor, claim: Claim) -> bool:
    """A hospital acts while it treats the claim, or before any hospital does if it reported it."""
    if actor.role is not Role.HOSPITAL_STAFF:
        return True
    if claim.hospital_id is None:
        return claim.reporting_party_id == actor.party_id
    return claim.hospital_id == actor.party_id


# ---------------------------------------------------------------- create
def create_claim(
    *, session: Session, actor: Actor, data: Mapping[str, Any], idempotency_key: str | None = None,
    respond: Callable[[Claim], dict[str, Any]] | None = None,
) -> tuple[Claim | None, dict[str, Any] | None]:
    """Report an accident. With an Idempotency-Key, a retry returns the first response: (None, body)."""
    request_hash = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    if idempotency_key:
        replay = _replay(session, actor, idempotency_key, request_hash)
        if replay is not None:
            return None, replay
    try:
        with unit_of_work(session):
            claim = _new_claim(session, actor, data)
            body = respond(claim) if respond else None
            if idempotency_key:
                session.add(IdempotencyKey(user=actor.username, key=idempotency_key, request_hash=request_hash,
                                           status=201, body=body or {"id": claim.id}))
    except IntegrityError:
        replay = _replay(session, actor, idempotency_key, request_hash) if idempotency_key else None
        if replay is None:
            raise
        return None, replay  # a concurrent retry won the race; this one returns its response
    return claim, body


def _replay(session: Session, actor: Actor, key: str, request_hash: str) -> dict[str, Any] | None:
    with read_only(session):
        stored = session.get(IdempotencyKey, (actor.username, key))
    if stored is None:
        return None
    if stored.request_hash != request_hash:
        raise Conflict("This Idempotency-Key was used for a different request",
                       errors={"Idempotency-Key": ["already used with another body"]})
    return stored.body


def _new_claim(session: Session, actor: Actor, data: Mapping[str, Any]) -> Claim:
    try:
        nik = parse_nik(data["nik"]).nik
    except NikError as exc:
        raise ValidationFailed(f"Invalid NIK: {exc.reason}", errors={"nik": [exc.reason]}) from None
    now = utcnow()
    accident_at = data["accident_at"]
    if accident_at > now + timedelta(minutes=5):
        raise ValidationFailed("The accident cannot be in the future", errors={"accident_at": ["is in the future"]})
    hospital_id, hospital_code = _reporting_hospital(session, actor, data.get("hospital"))
    person = session.execute(sa.select(Participant.id, Participant.name).where(Participant.nik == nik)).first()
    participant_id = person.id if person else None
    claim = Claim(
        nik=nik, participant_id=participant_id, accident_at=accident_at, place=data["place"],
        accident_type=data["accident_type"], chronology=data["chronology"], injury=data["injury"],
        reporter_name=data["reporter_name"], reporter_phone=data["reporter_phone"], reported_by=actor.username,
        reporting_party_id=actor.party_id, hospital_id=None, care={},
        late_stage1_report=now - accident_at > timedelta(hours=STAGE1_HOURS),
        participant_unknown=participant_id is None,
        possible_duplicate=_duplicate_exists(session, nik, accident_at),
    )
    cases.create_case(session, claim, actor=actor, data={"nik_known": participant_id is not None,
                                                          "hospital": hospital_code})
    claim.participant_name = person.name if person else None  # known now: present() need not look it up
    _link(session, claim, actor.party_id if actor.role is Role.HOSPITAL_STAFF else None, "reported")
    if hospital_id is not None and hospital_id != actor.party_id:
        _link(session, claim, hospital_id, "named")
    return claim


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


def _duplicate_exists(session: Session, nik: str, accident_at: datetime) -> bool:
    window = timedelta(days=1)
    return session.scalar(sa.select(sa.exists().where(
        Claim.nik == nik, Claim.state.in_(OPEN_STATES), Claim.accident_at.between(accident_at - window,
                                                                                 accident_at + window)))) or False


def _link(session: Session, claim: Claim, hospital_id: int | None, relation: str) -> None:
    """Record a hospital's tie to the claim in one statement; treating/referred_from overwrite an older tie."""
    if hospital_id is None:
        return
    insert = upsert(session, ClaimHospital).values(claim_id=claim.id, hospital_id=hospital_id, relation=relation,
                                                  since=utcnow())
    keys = [ClaimHospital.claim_id, ClaimHospital.hospital_id]
    if relation in ("treating", "referred_from"):
        session.execute(insert.on_conflict_do_update(index_elements=keys, set_={"relation": relation}))
    else:
        session.execute(insert.on_conflict_do_nothing(index_elements=keys))


# ---------------------------------------------------------------- presentation
def present(session: Session, actor: Actor, claims: list[Claim]) -> list[Claim]:
    """Add what a response shows besides the row: what the caller may fire, party codes, the person's name."""
    codes = party_codes(session, {c.hospital_id for c in claims} | {c.reporting_party_id for c in claims})
    unnamed = {c.participant_id for c in claims if "participant_name" not in c.__dict__} - {None}
    names = dict(session.execute(sa.select(Participant.id, Participant.name)
                                 .where(Participant.id.in_(unnamed))).tuples().all()) if unnamed else {}
    for claim in claims:
        claim.allowed_triggers = claim.workflow.allowed_triggers(claim, actor.role)
        claim.hospital = codes.get(claim.hospital_id)
        claim.reporting_party = codes.get(claim.reporting_party_id)
        if "participant_name" not in claim.__dict__:
            claim.participant_name = names.get(claim.participant_id)
    return claims


# ---------------------------------------------------------------- read
def get_claim(*, session: Session, actor: Actor, claim_id: int) -> Claim:
    with read_only(session):
        claim = session.scalar(visible(actor)(sa.select(Claim).where(Claim.id == claim_id)))
    if claim is None:
        raise NotFound(f"No claim {claim_id}")
    return claim


def list_claims(*, session: Session, actor: Actor, page: int, per_page: int, **filters: Any) -> Page:
    query = visible(actor)(sa.select(Claim)).order_by(Claim.created_at.desc(), Claim.id.desc())
    query = _filtered(query, **filters)
    with read_only(session):
        return paginate(session, query, page=page, per_page=per_page)


def _filtered(query: sa.Select, *, state=None, hospital=None, kecamatan=None, reported_from=None,
              reported_to=None, flag=None, q=None) -> sa.Select:
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


# ---------------------------------------------------------------- transitions
def transition(
    *, session: Session, actor: Actor, claim_id: int, trigger: str, expected_version: int,
    data: Mapping[str, Any] | None = None, reason: str | None = None, expiry_years: int = EXPIRY_YEARS,
) -> Claim:
    """Fire a trigger; returns the claim as it now is, ready to show (see present)."""
    known: dict[str, Any] = {}

    def facts(case: Claim, clean: Mapping[str, Any]) -> dict[str, Any]:
        known.update(_facts(session, actor, case, trigger, clean, expiry_years))
        return known

    with unit_of_work(session):
        claim = _lock(session, actor, claim_id)
        if not _may_act(actor, claim):
            raise Forbidden("Your hospital can see this claim but no longer treats it")
        claim, event = cases.transition_case(
            session, Claim, claim_id, actor=actor, trigger=trigger, expected_version=expected_version,
            data=data, reason=reason, data_schemas=DATA_SCHEMAS, facts=facts, case=claim,
        )
        _apply(session, claim, trigger, event.data, known)
        present(session, actor, [claim])
    return claim


def _lock(session: Session, actor: Actor, claim_id: int) -> Claim:
    """The claim row locked for this transaction (404 outside the caller's scope), with the person's name
    for the response read in the same statement."""
    query = visible(actor)(
        sa.select(Claim, Participant.name).outerjoin(Participant, Participant.id == Claim.participant_id)
        .where(Claim.id == claim_id).with_for_update(of=Claim).execution_options(populate_existing=True))
    row = session.execute(query).first()
    if row is None:
        raise NotFound(f"No claim {claim_id}")
    claim, claim.participant_name = row
    return claim


def _facts(session: Session, actor: Actor, claim: Claim, trigger: str, data: Mapping[str, Any],
           expiry_years: int) -> dict[str, Any]:
    if trigger == "verify":
        return {**_cover(session, claim), **_expiry(claim, expiry_years)}
    if trigger in ("admit", "refer"):
        return _plkk(session, actor, claim, trigger, data)
    if trigger == "submit_documents":
        missing = sorted(set(required_documents(claim)) - set(data.get("documents", ())))
        return {"documents_complete": not missing, "documents_reason": f"missing documents: {', '.join(missing)}"}
    return {}


def _cover(session: Session, claim: Claim) -> dict[str, Any]:
    if claim.participant_id is None:
        return {"covered": False, "not_covered_reason": "the NIK is not in the registry (enrol the person first)"}
    day = claim.accident_at.astimezone(WITA).date()
    if coverage_on(session, claim.participant_id, day).covers("jkk"):
        return {"covered": True}
    return {"covered": False, "not_covered_reason": f"not covered for JKK on {day.isoformat()}, the accident date"}


def _expiry(claim: Claim, years: int) -> dict[str, Any]:
    deadline = claim.accident_at.replace(year=claim.accident_at.year + years)
    if utcnow() <= deadline:
        return {"within_expiry": True}
    return {"within_expiry": False, "expired_reason": f"the claim expired {years} years after the accident"}


def _plkk(session: Session, actor: Actor, claim: Claim, trigger: str, data: Mapping[str, Any]) -> dict[str, Any]:
    hospital = session.scalar(sa.select(Party).options(joinedload(Party.agreements))
                              .where(Party.kind == PartyKind.HOSPITAL, Party.code == data["hospital"]))
    if hospital is None:
        raise ValidationFailed("Unknown hospital", errors={"data.hospital": [f"no hospital {data['hospital']!r}"]})
    if trigger == "admit" and actor.role is Role.HOSPITAL_STAFF and hospital.id != actor.party_id:
        raise Forbidden("Hospital staff admit to their own hospital only")
    if trigger == "refer" and hospital.id == claim.hospital_id:
        raise ValidationFailed("Refer to another hospital", errors={"data.hospital": ["is the current hospital"]})
    when = datetime.fromisoformat(data.get("admitted_at") or data.get("referred_at") or utcnow().isoformat())
    day = when.astimezone(WITA).date()
    if hospital.plkk_valid_on(day):
        return {"plkk_valid": True, "hospital_id": hospital.id}
    return {"plkk_valid": False,
            "plkk_reason": f"{hospital.code} had no PLKK agreement in force on {day.isoformat()}"}


def required_documents(claim: Claim) -> list[str]:
    """The stage-II checklist for this claim: a police report for a commute accident, a referral letter if referred."""
    needed = list(BASE_DOCUMENTS)
    if claim.accident_type is AccidentType.commute:
        needed.append("police_report")
    if claim.referred:
        needed.append("referral_letter")
    return needed


def _apply(session: Session, claim: Claim, trigger: str, data: Mapping[str, Any], facts: Mapping[str, Any]) -> None:
    """What a transition changes besides the state (the row first, then its ties: one flush)."""
    if trigger == "verify":
        claim.verified = True
    elif trigger in ("admit", "refer"):
        previous = claim.hospital_id
        claim.hospital_id = facts["hospital_id"]
        claim.referred = claim.referred or trigger == "refer"
        claim.care = {**claim.care, trigger: dict(data)}
        if trigger == "refer":
            _link(session, claim, previous, "referred_from")
        _link(session, claim, claim.hospital_id, "treating")
    elif trigger == "complete_treatment":
        claim.care = {**claim.care, "treatment": dict(data)}
    elif trigger == "approve":
        claim.approved_total = sum(data["benefits"].values())
    elif trigger == "pay":
        claim.paid_total = sum(p["amount"] for p in data["payments"])
