"""What the API returns for a claim, for a given caller: the one place that builds it (views, lists and the
idempotency record use it). The documented shape is schemas.ClaimSchema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases.replay import AsOf
from berjasa.claims.models import FLAGS, Claim
from berjasa.claims.scope import duplicates_seen_by, may_act
from berjasa.parties.service import party_codes
from berjasa.registry.service import shown_nik
from berjasa.sla.responses import clock_responses
from berjasa.time import wita_iso
from workflows.roles import Role
from workflows.sla import Clock


def claim_responses(session: Session, actor: Actor, claims: Iterable[Claim],
                    clocks: Mapping[int, list[Clock]]) -> list[dict[str, Any]]:
    claims = list(claims)
    codes = party_codes(session, {c.hospital_id for c in claims} | {c.reporting_party_id for c in claims})
    duplicates = duplicates_seen_by(session, actor, claims)
    return [_response(claim, actor, codes, claim.id in duplicates)
            | {"clocks": clock_responses(session, clocks.get(claim.id, ()))} for claim in claims]


def claim_response(session: Session, actor: Actor, claim: Claim, clocks: list[Clock]) -> dict[str, Any]:
    return claim_responses(session, actor, [claim], {claim.id: clocks})[0]


def past_claim_response(session: Session, actor: Actor, past: AsOf) -> dict[str, Any]:
    """The claim as it stood at `past.at` (GET ?as_of=): its clocks as they were then; nothing can be fired."""
    claim = past.case
    codes = party_codes(session, {claim.hospital_id, claim.reporting_party_id})
    duplicate = claim.id in duplicates_seen_by(session, actor, [claim])
    return _response(claim, actor, codes, duplicate) | {
        "allowed_triggers": [], "clocks": clock_responses(session, past.clocks, now=past.at)}


def allowed_triggers(actor: Actor, claim: Claim) -> list[str]:
    """What the caller can fire now: a hospital that no longer treats the claim (it referred it on) can fire
    nothing; triggers whose guards on the case alone would refuse are left out."""
    return claim.workflow.allowed_triggers(claim, actor.role) if may_act(actor, claim) else []


def _response(claim: Claim, actor: Actor, codes: dict[int, str], duplicate: bool) -> dict[str, Any]:
    hospital = actor.role is Role.HOSPITAL_STAFF
    return {
        "id": claim.id,
        "state": claim.state.value,
        "version": claim.version,
        "created_at": wita_iso(claim.created_at),
        "updated_at": wita_iso(claim.updated_at),
        "allowed_triggers": allowed_triggers(actor, claim),
        # a hospital reported or treats this person: it has the NIK on its own admission records
        "nik": claim.nik if hospital else shown_nik(claim.nik, actor),
        "participant_id": claim.participant_id,
        # the registry's name for the NIK: not for hospitals, or a report would look up who holds any NIK
        "participant_name": None if hospital else claim.participant_name,
        "accident_at": wita_iso(claim.accident_at),
        "place": claim.place,
        "accident_type": claim.accident_type.value,
        "chronology": claim.chronology,
        "injury": claim.injury,
        "reporter_name": claim.reporter_name,
        "reporter_phone": claim.reporter_phone,
        "reported_by": claim.reported_by,
        "reporting_party": codes.get(claim.reporting_party_id),
        "hospital": codes.get(claim.hospital_id),
        "flags": {**{flag: getattr(claim, flag) for flag in FLAGS}, "possible_duplicate": duplicate},
        "verified": claim.verified,
        "referred": claim.referred,
        "care": claim.care,
        "documents": list(claim.documents or []),
        "missing_documents": list(claim.missing_documents or []),
        "approved_total": claim.approved_total,
        "paid_total": claim.paid_total,
    }
