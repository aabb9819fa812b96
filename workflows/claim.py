"""Work-accident (JKK) claims: reported, verified by BPJS, treated at a PLKK hospital, reviewed, paid."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from workflows.engine import Workflow, transition
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


def _fact(name: str, reason_key: str):
    def guard(_case: Any, _data: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
        return None if facts.get(name) else facts.get(reason_key, f"{name} is not satisfied")

    guard.__name__ = name
    return guard


def not_verified_yet(case: Any, _data: Mapping[str, Any], _facts: Mapping[str, Any]) -> str | None:
    return "BPJS has verified this claim already" if case.verified else None


def claim_verified(case: Any, _data: Mapping[str, Any], _facts: Mapping[str, Any]) -> str | None:
    return None if case.verified else "BPJS has not verified this claim yet (JKK cover must be confirmed)"


def payments_match(case: Any, data: Mapping[str, Any], _facts: Mapping[str, Any]) -> str | None:
    paid = sum(p.get("amount", 0) for p in data.get("payments", ()))
    total = case.approved_total or 0
    return None if paid == total else f"the payments add up to {paid}, the approved total is {total}"


WORKFLOW = register(Workflow(
    name="claim",
    description="A JKK work-accident case from the first report to payment (PP 44/2015; Permenaker 5/2021).",
    states=ClaimState,
    initial=S.reported,
    transitions=[
        transition("verify", S.reported, S.verified, [R.BPJS_OFFICER], guards=["covered", "within_expiry"]),
        transition("verify", S.hospital_care, S.hospital_care, [R.BPJS_OFFICER],
                   guards=["not_verified_yet", "covered", "within_expiry"]),
        transition("admit", [S.reported, S.verified], S.hospital_care, [R.HOSPITAL_STAFF, R.CASEWORKER],
                   guards=["plkk_valid"], schema="admission"),
        transition("refer", S.hospital_care, S.hospital_care, [R.HOSPITAL_STAFF, R.CASEWORKER],
                   guards=["plkk_valid"], schema="referral"),
        transition("complete_treatment", S.hospital_care, S.treatment_completed, [R.HOSPITAL_STAFF, R.CASEWORKER],
                   guards=["claim_verified"], schema="treatment"),
        transition("submit_documents", [S.treatment_completed, S.awaiting_documents], S.under_review,
                   [R.CASEWORKER, R.HOSPITAL_STAFF], guards=["documents_complete"], schema="documents"),
        transition("request_documents", S.under_review, S.awaiting_documents, [R.BPJS_OFFICER],
                   schema="document_request"),
        transition("approve", S.under_review, S.approved, [R.BPJS_OFFICER], schema="approval"),
        transition("pay", S.approved, S.paid, [R.BPJS_OFFICER], guards=["payments_match"], schema="payment"),
        transition("close", S.paid, S.closed, [R.CASEWORKER, R.SUPERVISOR]),
        transition("reject", BEFORE_APPROVAL, S.rejected, [R.BPJS_OFFICER], schema="claim_rejection"),
        transition("withdraw", [S.reported, S.verified], S.withdrawn, [R.CASEWORKER], schema="reason"),
        transition("reopen", S.rejected, S.reported, [R.SUPERVISOR], schema="reason"),
    ],
    guards={
        "covered": _fact("covered", "not_covered_reason"),
        "within_expiry": _fact("within_expiry", "expired_reason"),
        "plkk_valid": _fact("plkk_valid", "plkk_reason"),
        "documents_complete": _fact("documents_complete", "documents_reason"),
        "not_verified_yet": not_verified_yet,
        "claim_verified": claim_verified,
        "payments_match": payments_match,
    },
))
