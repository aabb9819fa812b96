"""Which hospitals a claim belongs to: what hospital staff may see, and when they may act."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases.service import EVERYTHING, Scope
from berjasa.claims.models import Claim, ClaimHospital
from berjasa.db import upsert_into, utcnow
from workflows.roles import Role


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
