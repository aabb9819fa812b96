"""Work-accident (JKK) claims: reported, verified by BPJS, treated at a PLKK hospital, reviewed, paid."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from workflows.engine import Workflow, case_guard, transition
from workflows.registry import register
from workflows.roles import Role

R = Role


class ClaimState(StrEnum):
    reported = "reported"
    verified = "verified"
    hospital_care = "hospital_care"
    treatment_completed = "treatment_completed"
    under_review = "under_review"
    awaiting_documents = "awaiting_documents"
    approved = "approved"
    paid = "paid"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"


S = ClaimState
#: Open states before approval: the ones BPJS may still reject from.
BEFORE_APPROVAL = (S.reported, S.verified, S.hospital_care, S.treatment_completed, S.under_review,
                   S.awaiting_documents)
OPEN_STATES = frozenset({*BEFORE_APPROVAL, S.approved, S.paid})

#: The stage-II documents every claim needs (DOMAIN.md); see required_documents() for the others.
BASE_DOCUMENTS = ("kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses")


@dataclass(frozen=True)
class Cover:
    """The participant's JKK cover on the accident date, as the registry knows it."""

    participant_known: bool
    jkk: bool
    accident_day: date


@dataclass(frozen=True)
class HospitalOnDay:
    """A hospital a claim is taken to, and whether its PLKK agreement was in force that day."""

    id: int
    code: str
    day: date
    plkk_in_force: bool


@dataclass(frozen=True)
class ClaimFacts:
    """What the claim guards need besides the case and the data; the service looks up what a trigger needs."""

    now: datetime | None = None
    expiry_years: int = 5  # PP 82/2019 Art. 26
    cover: Cover | None = None
    hospital: HospitalOnDay | None = None


def required_documents(case: Any) -> list[str]:
    """The stage-II checklist: a police report for a commute accident, a referral letter if referred."""
    needed = list(BASE_DOCUMENTS)
    if case.accident_type == "commute":
        needed.append("police_report")
    if case.referred:
        needed.append("referral_letter")
    return needed


def covered(_case: Any, _data: Mapping[str, Any], facts: ClaimFacts) -> str | None:
    cover = facts.cover
    if not cover.participant_known:
        return "the NIK is not in the registry (enrol the person first)"
    if not cover.jkk:
        return f"not covered for JKK on {cover.accident_day.isoformat()}, the accident date"
    return None


def within_expiry(case: Any, _data: Mapping[str, Any], facts: ClaimFacts) -> str | None:
    deadline = years_after(case.accident_at, facts.expiry_years)
    return None if facts.now <= deadline else f"the claim expired {facts.expiry_years} years after the accident"


def years_after(moment: datetime, years: int) -> datetime:
    """The same day `years` later (28 Feb for a 29 Feb that the later year lacks)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def plkk_valid(_case: Any, _data: Mapping[str, Any], facts: ClaimFacts) -> str | None:
    hospital = facts.hospital
    if hospital.plkk_in_force:
        return None
    return f"{hospital.code} had no PLKK agreement in force on {hospital.day.isoformat()}"


def documents_complete(case: Any, data: Mapping[str, Any], _facts: ClaimFacts) -> str | None:
    """The checklist, and whatever BPJS asked for, is complete with what was handed in before and now."""
    handed_in = set(getattr(case, "documents", None) or ()) | set(data.get("documents", ()))
    needed = set(required_documents(case)) | set(getattr(case, "missing_documents", None) or ())
    missing = sorted(needed - handed_in)
    return f"missing documents: {', '.join(missing)}" if missing else None


@case_guard
def not_verified_yet(case: Any, _data: Mapping[str, Any], _facts: ClaimFacts | None) -> str | None:
    return "BPJS has verified this claim already" if case.verified else None


@case_guard
def claim_verified(case: Any, _data: Mapping[str, Any], _facts: ClaimFacts | None) -> str | None:
    return None if case.verified else "BPJS has not verified this claim yet (JKK cover must be confirmed)"


def payments_match(case: Any, data: Mapping[str, Any], _facts: ClaimFacts) -> str | None:
    paid = sum(p.get("amount", 0) for p in data.get("payments", ()))
    total = case.approved_total or 0
    return None if paid == total else f"the payments add up to {paid}, the approved total is {total}"


WORKFLOW = register(Workflow(
    name="claim",
    description="A JKK work-accident case from the first report to payment (PP 44/2015; Permenaker 5/2021).",
    states=ClaimState,
    initial=S.reported,
    transitions=[
        # a claim reopened after BPJS verified it keeps its verification: no second verify
        transition("verify", S.reported, S.verified, [R.BPJS_OFFICER],
                   guards=["not_verified_yet", "covered", "within_expiry"]),
        transition("verify", S.hospital_care, S.hospital_care, [R.BPJS_OFFICER],
                   guards=["not_verified_yet", "covered", "within_expiry"]),
        transition("admit", [S.reported, S.verified], S.hospital_care, [R.HOSPITAL_STAFF, R.CASEWORKER],
                   guards=["plkk_valid"]),
        transition("refer", S.hospital_care, S.hospital_care, [R.HOSPITAL_STAFF, R.CASEWORKER],
                   guards=["plkk_valid"]),
        transition("update_care", S.hospital_care, S.hospital_care, [R.HOSPITAL_STAFF, R.CASEWORKER]),
        transition("complete_treatment", S.hospital_care, S.treatment_completed, [R.HOSPITAL_STAFF, R.CASEWORKER],
                   guards=["claim_verified"]),
        transition("submit_documents", [S.treatment_completed, S.awaiting_documents], S.under_review,
                   [R.CASEWORKER, R.HOSPITAL_STAFF], guards=["documents_complete"]),
        transition("request_documents", S.under_review, S.awaiting_documents, [R.BPJS_OFFICER]),
        transition("approve", S.under_review, S.approved, [R.BPJS_OFFICER]),
        transition("pay", S.approved, S.paid, [R.BPJS_OFFICER], guards=["payments_match"]),
        transition("close", S.paid, S.closed, [R.CASEWORKER, R.SUPERVISOR]),
        transition("reject", BEFORE_APPROVAL, S.rejected, [R.BPJS_OFFICER]),
        transition("withdraw", [S.reported, S.verified], S.withdrawn, [R.CASEWORKER]),
        transition("reopen", S.rejected, S.reported, [R.SUPERVISOR]),
    ],
    guards={
        "covered": covered,
        "within_expiry": within_expiry,
        "plkk_valid": plkk_valid,
        "documents_complete": documents_complete,
        "not_verified_yet": not_verified_yet,
        "claim_verified": claim_verified,
        "payments_match": payments_match,
    },
    facts=ClaimFacts,
    final=frozenset({S.closed, S.rejected, S.withdrawn}),
))
