"""Which hospitals a claim belongs to: what hospital staff may see, and when they may act."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.claims.models import Claim, ClaimHospital
from berjasa.db import upsert, utcnow
from workflows.roles import Role


def visible(actor: Actor) -> Callable[[sa.Select], sa.Select]:
    """What a caller may see: hospitals only claims they reported or treat or treated; others everything."""
    if actor.role is not Role.HOSPITAL_STAFF:
        return lambda query: query
    mine = sa.select(ClaimHospital.claim_id).where(ClaimHospital.hospital_id == actor.party_id)
    return lambda query: query.where(Claim.id.in_(mine))


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
    insert = upsert(session, ClaimHospital).values(claim_id=claim_id, hospital_id=hospital_id, relation=relation,
                                                  since=utcnow())
    keys = [ClaimHospital.claim_id, ClaimHospital.hospital_id]
    if relation in ("treating", "referred_from"):
        session.execute(insert.on_conflict_do_update(index_elements=keys, set_={"relation": relation}))
    else:
        session.execute(insert.on_conflict_do_nothing(index_elements=keys))
