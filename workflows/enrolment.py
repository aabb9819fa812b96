"""Enrolment: a vulnerable worker registered, verified, sent to BPJS, active, lapsed or ended."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from workflows.engine import Workflow, transition
from workflows.registry import register
from workflows.roles import Role

R = Role


class EnrolmentState(StrEnum):
    submitted = "submitted"
    verified = "verified"
    sent_to_bpjs = "sent_to_bpjs"
    active = "active"
    lapsed = "lapsed"
    terminated = "terminated"
    rejected = "rejected"


S = EnrolmentState
#: States in which an enrolment still counts for its NIK (at most one per person).
OPEN_STATES = frozenset({S.submitted, S.verified, S.sent_to_bpjs, S.active, S.lapsed})


def valid_nik(_case: Any, _data: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
    problem = facts.get("nik_problem")
    return f"the NIK is not valid: {problem}" if problem else None


def eligible(_case: Any, _data: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
    return None if facts.get("eligible") else facts.get("ineligible_reason", "the participant is not eligible")


def no_other_enrolment(_case: Any, _data: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
    other = facts.get("other_enrolment_id")
    return f"the NIK already has open enrolment {other}" if other else None


def programmes_confirmed(_case: Any, data: Mapping[str, Any], _facts: Mapping[str, Any]) -> str | None:
    confirmed = set(data.get("programmes", ()))
    return None if {"jkk", "jkm"} <= confirmed else "BPJS must confirm at least JKK and JKM"


WORKFLOW = register(Workflow(
    name="enrolment",
    description="A vulnerable worker's BPJS Ketenagakerjaan membership paid by the city (APBD).",
    states=EnrolmentState,
    initial=S.submitted,
    transitions=[
        transition("verify", S.submitted, S.verified, [R.CASEWORKER],
                   guards=["valid_nik", "eligible", "no_other_enrolment"]),
        transition("reject", [S.submitted, S.verified], S.rejected, [R.CASEWORKER], schema="rejection"),
        transition("send_to_bpjs", S.verified, S.sent_to_bpjs, [R.CASEWORKER]),
        transition("activate", S.sent_to_bpjs, S.active, [R.BPJS_OFFICER], guards=["programmes_confirmed"],
                   schema="activation"),
        transition("lapse", S.active, S.lapsed, [R.BPJS_OFFICER, R.SYSTEM], schema="lapse"),
        transition("reactivate", S.lapsed, S.sent_to_bpjs, [R.CASEWORKER]),
        transition("terminate", [S.active, S.lapsed], S.terminated, [R.CASEWORKER, R.BPJS_OFFICER],
                   schema="termination"),
    ],
    guards={"valid_nik": valid_nik, "eligible": eligible, "no_other_enrolment": no_other_enrolment,
            "programmes_confirmed": programmes_confirmed},
))
