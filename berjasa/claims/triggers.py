"""The claim triggers: the data each takes, the facts its guards need, what it changes besides the state.

The transition table (who may fire what, from where, with which guards) is workflows/claim.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from berjasa.cases.triggers import Step, Trigger, Triggers
from berjasa.claims import schemas, scope
from berjasa.claims.models import Claim
from berjasa.enrolment.coverage import coverage_on
from berjasa.errors import Forbidden, ValidationFailed
from berjasa.events.outbox import plain_json
from berjasa.parties.models import Party, PartyKind
from berjasa.time import WITA
from workflows.claim import WORKFLOW, ClaimFacts, Cover, HospitalOnDay
from workflows.roles import Role

EXPIRY_YEARS = 5  # PP 82/2019 Art. 26


# ---------------------------------------------------------------- facts
def cover_and_expiry(step: Step, claim: Claim, _data: Mapping[str, Any]) -> ClaimFacts:
    """verify: JKK cover on the accident date, and the 5-year expiry."""
    day = claim.accident_at.astimezone(WITA).date()
    known = claim.participant_id is not None
    jkk = known and coverage_on(step.session, claim.participant_id, day).covers("jkk")
    return ClaimFacts(now=step.now, expiry_years=EXPIRY_YEARS,
                      cover=Cover(participant_known=known, jkk=jkk, accident_day=day))


def admission_facts(step: Step, _claim: Claim, data: Mapping[str, Any]) -> ClaimFacts:
    """admit: the hospital's PLKK agreement on the day of admission; hospital staff admit to their own."""
    hospital = _hospital(step, data["hospital"])
    if step.actor.role is Role.HOSPITAL_STAFF and hospital.id != step.actor.party_id:
        raise Forbidden("Hospital staff admit to their own hospital only")
    return _on_day(step, hospital, data["admitted_at"])


def referral_facts(step: Step, claim: Claim, data: Mapping[str, Any]) -> ClaimFacts:
    """refer: the receiving hospital's PLKK agreement on the day of referral (today if not given)."""
    hospital = _hospital(step, data["hospital"])
    if hospital.id == claim.hospital_id:
        raise ValidationFailed("Refer to another hospital", errors={"data.hospital": ["is the current hospital"]})
    return _on_day(step, hospital, data.get("referred_at") or step.now)


def _hospital(step: Step, code: str) -> Party:
    hospital = step.session.scalar(sa.select(Party).options(joinedload(Party.agreements))
                                   .where(Party.kind == PartyKind.HOSPITAL, Party.code == code))
    if hospital is None:
        raise ValidationFailed("Unknown hospital", errors={"data.hospital": [f"no hospital {code!r}"]})
    return hospital


def _on_day(step: Step, hospital: Party, when: datetime) -> ClaimFacts:
    day = when.astimezone(WITA).date()
    return ClaimFacts(now=step.now, hospital=HospitalOnDay(hospital.id, hospital.code, day,
                                                           hospital.plkk_valid_on(day)))


# ---------------------------------------------------------------- changes besides the state
def verified(_step: Step, claim: Claim, _data: Mapping[str, Any], _facts: ClaimFacts) -> None:
    claim.verified = True


def admitted(step: Step, claim: Claim, data: Mapping[str, Any], facts: ClaimFacts) -> None:
    claim.hospital_id = facts.hospital.id
    claim.care = {**claim.care, "admit": plain_json(data)}
    scope.link(step.session, claim.id, claim.hospital_id, "treating")


def referred(step: Step, claim: Claim, data: Mapping[str, Any], facts: ClaimFacts) -> None:
    previous = claim.hospital_id
    claim.hospital_id = facts.hospital.id
    claim.referred = True
    claim.care = {**claim.care, "refer": plain_json(data)}
    scope.link(step.session, claim.id, previous, "referred_from")
    scope.link(step.session, claim.id, claim.hospital_id, "treating")


def treated(_step: Step, claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> None:
    claim.care = {**claim.care, "treatment": plain_json(data)}


def approved(_step: Step, claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> None:
    claim.approved_total = sum(data["benefits"].values())


def paid(_step: Step, claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> None:
    claim.paid_total = sum(p["amount"] for p in data["payments"])


TRIGGERS = Triggers(WORKFLOW, [
    Trigger("verify", facts=cover_and_expiry, apply=verified),
    Trigger("admit", schemas.AdmissionSchema, facts=admission_facts, apply=admitted),
    Trigger("refer", schemas.ReferralSchema, facts=referral_facts, apply=referred),
    Trigger("complete_treatment", schemas.TreatmentSchema, apply=treated),
    Trigger("submit_documents", schemas.DocumentsSchema),
    Trigger("request_documents", schemas.DocumentRequestSchema),
    Trigger("approve", schemas.ApprovalSchema, apply=approved),
    Trigger("pay", schemas.PaymentSchema, apply=paid),
    Trigger("close"),
    Trigger("reject", schemas.ClaimRejectionSchema),
    Trigger("withdraw", schemas.ReasonSchema),
    Trigger("reopen", schemas.ReasonSchema),
])
