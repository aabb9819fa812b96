"""Which hospitals a claim belongs to: what hospital staff may see, and when they may act."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases.service import EVERYTHING, Scope
from berjasa.claims.models import Claim, ClaimHospital
from berjasa.db import UtcDateTime, upsert_into, utcnow
from workflows.claim import OPEN_STATES
from workflows.roles import Role

#: Another open claim of the same NIK whose accident is this close is a possible duplicate.
DUPLICATE_WINDOW = timedelta(days=1)


def visible(actor: Actor) -> Scope:
    """What a caller may see: hospitals only claims they reported or treat or treated; others everything."""
    if actor.role is not Role.HOSPITAL_STAFF:
        return EVERYTHING
    return Scope("hospital", _tied_to_hospital, {"scope_hospital": actor.party_id})


def _tied_to_hospital(model: type) -> sa.ColumnElement[bool]:
    return model.id.in_(sa.select(ClaimHospital.claim_id)
                        .where(ClaimHospital.hospital_id == sa.bindparam("scope_hospital")))


def may_act(actor: Actor, claim: Claim) -> bool:
    """A hospital acts while it treats the claim, or before any hospital does if it reported it."""
    if actor.role is not Role.HOSPITAL_STAFF:
        return True
    if claim.hospital_id is None:
        return claim.reporting_party_id == actor.party_id
    return claim.hospital_id == actor.party_id


def link(session: Session, claim_id: int, hospital_id: int | None, relation: str) -> None:
    """Record a hospital's tie to the claim in one statement; treating/referred_from overwrite an older tie.
    Relations: reported, named (by a caseworker's report), treating, referred_from."""
    if hospital_id is None:
        return
    statement = _tie(session.get_bind().dialect.name, relation in ("treating", "referred_from"))
    session.execute(statement, {"claim_id": claim_id, "hospital_id": hospital_id, "relation": relation,
                                "since": utcnow()})


@functools.cache
def _tie(dialect: str, overwrite: bool) -> sa.Insert:
    # on the table, not the entity: a Core statement does not flush the session's pending changes first
    insert = upsert_into(dialect, ClaimHospital.__table__).values(
        {name: sa.bindparam(name) for name in ("claim_id", "hospital_id", "relation", "since")})
    keys = ["claim_id", "hospital_id"]
    if overwrite:
        return insert.on_conflict_do_update(index_elements=keys, set_={"relation": insert.excluded.relation})
    return insert.on_conflict_do_nothing(index_elements=keys)


def duplicate_filter(claims: type = Claim.__table__.c) -> sa.ColumnElement[bool]:
    """Another open claim of the NIK within DUPLICATE_WINDOW of the accident (bind parameters nik, since,
    until)."""
    return sa.and_(claims.nik == sa.bindparam("nik"), claims.state.in_([s.value for s in OPEN_STATES]),
                   claims.accident_at.between(sa.bindparam("since", type_=UtcDateTime),
                                              sa.bindparam("until", type_=UtcDateTime)))


_claims, _ties = Claim.__table__, ClaimHospital.__table__
#: An open claim near the accident that the hospital is tied to (and so may see), other than this one.
VISIBLE_DUPLICATE = sa.select(sa.exists().where(
    duplicate_filter(), _claims.c.id != sa.bindparam("claim_id"),
    _claims.c.id.in_(sa.select(_ties.c.claim_id).where(_ties.c.hospital_id == sa.bindparam("hospital_id")))))


def duplicates_seen_by(session: Session, actor: Actor, claims: Iterable[Claim]) -> set[int]:
    """Of these claims, those flagged possible_duplicate whose other claim the caller may see itself.

    A hospital must not learn from the flag that another hospital has a claim for the person: for hospital
    staff the flag stands only when the other claim is one of their own hospital's (reported or treated);
    everyone else sees every flag."""
    flagged = [claim for claim in claims if claim.possible_duplicate]
    if actor.role is not Role.HOSPITAL_STAFF:
        return {claim.id for claim in flagged}
    return {claim.id for claim in flagged if session.scalar(VISIBLE_DUPLICATE, {
        "nik": claim.nik, "since": claim.accident_at - DUPLICATE_WINDOW, "until": claim.accident_at + DUPLICATE_WINDOW,
        "claim_id": claim.id, "hospital_id": actor.party_id})}
