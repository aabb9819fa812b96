"""The claim triggers: the data each takes, the facts its guards need, what it changes besides the state.

The transition table (who may fire what, from where, with which guards) is workflows/claim.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from berjasa.cases.triggers import Changes, Step, Trigger, Triggers
from berjasa.claims import schemas, scope
from berjasa.claims.models import Claim
from berjasa.enrolment.coverage import coverage_on
from berjasa.errors import Forbidden, ValidationFailed
from berjasa.parties.models import Party, PartyKind, PlkkAgreement
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
    hospital = _hospital(step, data["hospital"], data["admitted_at"])
    if step.actor.role is Role.HOSPITAL_STAFF and hospital.id != step.actor.party_id:
        raise Forbidden("Hospital staff admit to their own hospital only")
    return ClaimFacts(now=step.now, hospital=hospital)


def referral_facts(step: Step, claim: Claim, data: Mapping[str, Any]) -> ClaimFacts:
    """refer: the receiving hospital's PLKK agreement on the day of referral (today if not given)."""
    hospital = _hospital(step, data["hospital"], data.get("referred_at") or step.now)
    if hospital.id == claim.hospital_id:
        raise ValidationFailed("Refer to another hospital", errors={"data.hospital": ["is the current hospital"]})
    return ClaimFacts(now=step.now, hospital=hospital)


def _hospital(step: Step, code: str, when: datetime) -> HospitalOnDay:
    day = when.astimezone(WITA).date()
    row = step.session.execute(HOSPITAL_ON_DAY, {"code": code, "day": day}).first()
    if row is None:
        raise ValidationFailed("Unknown hospital", errors={"data.hospital": [f"no hospital {code!r}"]})
    return HospitalOnDay(row.id, code, day, row.plkk_in_force)


_parties, _agreements = Party.__table__, PlkkAgreement.__table__
# Built once: a hospital by code, and whether a PLKK agreement of its was in force on the day of care.
HOSPITAL_ON_DAY = sa.select(
    _parties.c.id,
    sa.exists().where(_agreements.c.hospital_id == _parties.c.id, _agreements.c.valid_from <= sa.bindparam("day"),
                      sa.or_(_agreements.c.valid_to.is_(None), _agreements.c.valid_to >= sa.bindparam("day")))
    .label("plkk_in_force"),
).where(_parties.c.kind == PartyKind.HOSPITAL.value, _parties.c.code == sa.bindparam("code"))


# ---------------------------------------------------------------- changes besides the state
# `apply`: the claim's columns a trigger changes, from the data as recorded (replayed by berjasa/cases/replay.py);
# `effects`: the rows of other tables it writes.
def verified(_step: Step, _claim: Claim, _data: Mapping[str, Any], _facts: ClaimFacts) -> Changes:
    return {"verified": True}


def admitted(_step: Step, claim: Claim, data: Mapping[str, Any], facts: ClaimFacts) -> Changes:
    return {"hospital_id": facts.hospital.id, "care": {**claim.care, "admit": dict(data)}}


def tie_treating(step: Step, claim: Claim, _data: Mapping[str, Any], facts: ClaimFacts) -> None:
    scope.link(step.session, claim.id, facts.hospital.id, "treating")


def referred(_step: Step, claim: Claim, data: Mapping[str, Any], facts: ClaimFacts) -> Changes:
    return {"hospital_id": facts.hospital.id, "referred": True, "care": {**claim.care, "refer": dict(data)}}


def tie_referral(step: Step, claim: Claim, _data: Mapping[str, Any], facts: ClaimFacts) -> None:
    scope.link(step.session, claim.id, claim.hospital_id, "referred_from")
    scope.link(step.session, claim.id, facts.hospital.id, "treating")


def care_updated(step: Step, claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> Changes:
    """The treating hospital's progress note (the weekly update the claim.hospital_update clock asks for)."""
    update = {**data, "at": step.now.isoformat(), "by": step.actor.username}
    return {"care": {**claim.care, "updates": [*claim.care.get("updates", []), update]}}


def treated(_step: Step, claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> Changes:
    return {"care": {**claim.care, "treatment": dict(data)}}


def documents_handed_in(_step: Step, claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> Changes:
    """The checklist is the union of every hand-in; nothing is missing any more."""
    return {"documents": sorted(set(claim.documents or ()) | set(data["documents"])), "missing_documents": []}


def documents_requested(_step: Step, claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> Changes:
    """What BPJS asks for is missing, even if it was handed in before (unreadable, out of date)."""
    missing = sorted(set(data["missing"]))
    return {"documents": sorted(set(claim.documents or ()) - set(missing)), "missing_documents": missing}


def approved(_step: Step, _claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> Changes:
    return {"approved_total": sum(data["benefits"].values())}


def paid(_step: Step, _claim: Claim, data: Mapping[str, Any], _facts: ClaimFacts) -> Changes:
    return {"paid_total": sum(p["amount"] for p in data["payments"])}


def initial(_data: Mapping[str, Any]) -> Changes:
    """The columns triggers change, as a reported claim has them."""
    return {"hospital_id": None, "care": {}, "verified": False, "referred": False, "documents": [],
            "missing_documents": [], "approved_total": None, "paid_total": None}


def recorded_facts(hospital_id: Callable[[str], int | None], data: Mapping[str, Any], at: datetime) -> ClaimFacts:
    """For a replay: the hospital an admission or referral named, as the event recorded it."""
    code = data.get("hospital")
    if not code:
        return ClaimFacts(now=at)
    return ClaimFacts(now=at, hospital=HospitalOnDay(hospital_id(code), code, at.astimezone(WITA).date(), True))


TRIGGERS = Triggers(WORKFLOW, [
    Trigger("verify", facts=cover_and_expiry, apply=verified),
    Trigger("admit", schemas.AdmissionSchema, facts=admission_facts, apply=admitted, effects=tie_treating),
    Trigger("refer", schemas.ReferralSchema, facts=referral_facts, apply=referred, effects=tie_referral),
    Trigger("update_care", schemas.CareUpdateSchema, apply=care_updated),
    Trigger("complete_treatment", schemas.TreatmentSchema, apply=treated),
    Trigger("submit_documents", schemas.DocumentsSchema, apply=documents_handed_in),
    Trigger("request_documents", schemas.DocumentRequestSchema, apply=documents_requested),
    Trigger("approve", schemas.ApprovalSchema, apply=approved),
    Trigger("pay", schemas.PaymentSchema, apply=paid),
    Trigger("close"),
    Trigger("reject", schemas.ClaimRejectionSchema),
    Trigger("withdraw", schemas.ReasonSchema),
    Trigger("reopen", schemas.ReasonSchema),
], initial=initial, recorded_facts=recorded_facts)
