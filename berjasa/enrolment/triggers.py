"""The enrolment triggers: the data each takes, the facts its guards need, what it changes besides the state.

The transition table (who may fire what, from where, with which guards) is workflows/enrolment.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from berjasa.cases.triggers import Changes, EffectsOf, Step, Trigger, Triggers
from berjasa.enrolment import schemas
from berjasa.enrolment.models import CoveragePeriod, Enrolment
from berjasa.errors import Conflict, ValidationFailed
from berjasa.registry.models import Participant
from berjasa.registry.nik import NikError, parse_nik
from workflows.enrolment import OPEN_STATES, WORKFLOW, Eligibility, EnrolmentFacts


def eligibility(config: Mapping[str, Any]) -> Eligibility:
    """The eligibility rule in force (BERJASA_ELIGIBLE_*)."""
    cohorts = {c.strip() for c in str(config.get("ELIGIBLE_COHORTS", "")).split(",") if c.strip()}
    return Eligibility(int(config.get("ELIGIBLE_MAX_DECILE", 4)), frozenset(cohorts),
                       bool(config.get("ELIGIBLE_WITH_DISABILITY", True)))


# ---------------------------------------------------------------- facts
def verification_facts(step: Step, enrolment: Enrolment, _data: Mapping[str, Any]) -> EnrolmentFacts:
    """verify: the NIK's validity, the eligibility rule, and any other open enrolment of the person."""
    try:
        parse_nik(enrolment.participant.nik)
        nik_problem = None
    except NikError as exc:
        nik_problem = exc.reason
    other = step.session.scalar(
        sa.select(Enrolment.id).where(Enrolment.participant_id == enrolment.participant_id,
                                      Enrolment.id != enrolment.id, Enrolment.state.in_(OPEN_STATES)).limit(1))
    return EnrolmentFacts(eligibility=eligibility(step.config), nik_problem=nik_problem, other_open_enrolment=other)


# ---------------------------------------------------------------- changes besides the state
def registered(step: Step, enrolment: Enrolment, data: Mapping[str, Any], _facts: EnrolmentFacts) -> None:
    """BPJS confirmed the membership: the KPJ number is recorded and a coverage period opens."""
    taken = step.session.scalar(sa.select(Participant.id).where(Participant.kpj_number == data["kpj_number"],
                                                                Participant.id != enrolment.participant_id))
    if taken is not None:
        raise Conflict("This KPJ number belongs to another participant", errors={"data.kpj_number": ["in use"]})
    enrolment.participant.kpj_number = data["kpj_number"]
    step.session.add(CoveragePeriod(participant_id=enrolment.participant_id, enrolment_id=enrolment.id,
                                    programmes=sorted(set(data["programmes"])), start_date=data["coverage_start"],
                                    funding="apbd"))


def activated(_step: Step, _enrolment: Enrolment, data: Mapping[str, Any], _facts: EnrolmentFacts) -> Changes:
    return {"jht": "jht" in data["programmes"]}


def initial(data: Mapping[str, Any]) -> Changes:
    """The columns triggers change, as a new enrolment has them (its creation records whether it has JHT)."""
    return {"jht": bool(data.get("jht", False)), "end_reason": None}


def terminated(_step: Step, _enrolment: Enrolment, data: Mapping[str, Any], _facts: EnrolmentFacts) -> Changes:
    """A termination records its reason on the enrolment."""
    return {"end_reason": data["reason"]}


def cover_ended(trigger: str) -> EffectsOf:
    """Lapse and termination close the open coverage period the day before `effective_date`."""

    def effects(step: Step, enrolment: Enrolment, data: Mapping[str, Any], _facts: EnrolmentFacts) -> None:
        _close_period(step, enrolment, data, trigger)

    return effects


def _close_period(step: Step, enrolment: Enrolment, data: Mapping[str, Any], trigger: str) -> None:
    period = step.session.scalar(sa.select(CoveragePeriod).where(CoveragePeriod.enrolment_id == enrolment.id,
                                                                 CoveragePeriod.end_date.is_(None)))
    if period is None:
        return  # a lapsed enrolment being terminated: its period is closed already
    effective = data["effective_date"]
    if effective <= period.start_date:
        raise ValidationFailed("effective_date must be after the coverage start", errors={
            "data.effective_date": [f"must be after {period.start_date.isoformat()}"]})
    period.end_date = effective - timedelta(days=1)
    period.end_reason = f"{trigger}: {data['reason']}"


TRIGGERS = Triggers(WORKFLOW, [
    Trigger("verify", facts=verification_facts),
    Trigger("reject", schemas.RejectionSchema),
    Trigger("send_to_bpjs"),
    Trigger("activate", schemas.ActivationSchema, apply=activated, effects=registered),
    Trigger("lapse", schemas.LapseSchema, effects=cover_ended("lapse")),
    Trigger("reactivate"),
    Trigger("terminate", schemas.TerminationSchema, apply=terminated, effects=cover_ended("terminate")),
], initial=initial)
