"""Enrolment: a vulnerable worker registered, verified, sent to BPJS, active, lapsed or ended."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Eligibility:
    """Who may be enrolled: DTSEN decile up to `max_decile`, or one of `cohorts`, or a disability.
    The numbers are configuration (DOMAIN.md marks them unconfirmed)."""

    max_decile: int = 4
    cohorts: frozenset[str] = frozenset()
    with_disability: bool = True

    def reason_against(self, person: Any) -> str | None:
        """None when `person` (decile, cohort, has_disability) is eligible, else why not."""
        if person.decile is not None and person.decile <= self.max_decile:
            return None
        cohort = getattr(person.cohort, "value", person.cohort)
        if cohort in self.cohorts or (self.with_disability and person.has_disability):
            return None
        decile = "no decile" if person.decile is None else f"decile {person.decile}"
        return f"{decile} (> {self.max_decile}) and cohort {cohort} is not eligible by itself"


@dataclass(frozen=True)
class EnrolmentFacts:
    """What the enrolment guards need besides the case and the data; looked up for `verify`."""

    eligibility: Eligibility = Eligibility()
    nik_problem: str | None = None  # why the NIK is not valid (python-stdnum's checks), if it is not
    other_open_enrolment: int | None = None  # another open enrolment of the same person


def valid_nik(_case: Any, _data: Mapping[str, Any], facts: EnrolmentFacts) -> str | None:
    return f"the NIK is not valid: {facts.nik_problem}" if facts.nik_problem else None


def eligible(case: Any, _data: Mapping[str, Any], facts: EnrolmentFacts) -> str | None:
    return facts.eligibility.reason_against(case.participant)


def no_other_enrolment(_case: Any, _data: Mapping[str, Any], facts: EnrolmentFacts) -> str | None:
    other = facts.other_open_enrolment
    return f"the NIK already has open enrolment {other}" if other else None


def programmes_confirmed(_case: Any, data: Mapping[str, Any], _facts: EnrolmentFacts) -> str | None:
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
        transition("reject", [S.submitted, S.verified], S.rejected, [R.CASEWORKER]),
        transition("send_to_bpjs", S.verified, S.sent_to_bpjs, [R.CASEWORKER]),
        transition("activate", S.sent_to_bpjs, S.active, [R.BPJS_OFFICER], guards=["programmes_confirmed"]),
        transition("lapse", S.active, S.lapsed, [R.BPJS_OFFICER, R.SYSTEM]),
        transition("reactivate", S.lapsed, S.sent_to_bpjs, [R.CASEWORKER]),
        transition("terminate", [S.active, S.lapsed], S.terminated, [R.CASEWORKER, R.BPJS_OFFICER]),
    ],
    guards={"valid_nik": valid_nik, "eligible": eligible, "no_other_enrolment": no_other_enrolment,
            "programmes_confirmed": programmes_confirmed},
    facts=EnrolmentFacts,
    final=frozenset({S.terminated, S.rejected}),
))
