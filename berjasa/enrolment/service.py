"""Enrolment cases: create, transition (with coverage periods), bulk transitions, lists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.db import read_only, unit_of_work
from berjasa.enrolment.models import CoveragePeriod, Enrolment
from berjasa.enrolment.schemas import DATA_SCHEMAS
from berjasa.errors import BerjasaError, Conflict, NotFound, ValidationFailed
from berjasa.pagination import Page, paginate
from berjasa.registry.models import Participant
from berjasa.registry.nik import NikError, parse_nik
from workflows.enrolment import OPEN_STATES


@dataclass(frozen=True)
class Eligibility:
    """Who may be enrolled: DTSEN decile up to `max_decile`, or one of `cohorts`, or a disability."""

    max_decile: int = 4
    cohorts: frozenset[str] = frozenset()
    with_disability: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Eligibility:
        cohorts = {c.strip() for c in str(config["ELIGIBLE_COHORTS"]).split(",") if c.strip()}
        return cls(int(config["ELIGIBLE_MAX_DECILE"]), frozenset(cohorts), bool(config["ELIGIBLE_WITH_DISABILITY"]))

    def reason_against(self, participant: Participant) -> str | None:
        if participant.decile is not None and participant.decile <= self.max_decile:
            return None
        if participant.cohort.value in self.cohorts or (self.with_disability and participant.has_disability):
            return None
        decile = "no decile" if participant.decile is None else f"decile {participant.decile}"
        return f"{decile} (> {self.max_decile}) and cohort {participant.cohort.value} is not eligible by itself"


def create_enrolment(*, session: Session, actor: Actor, participant_id: int, jht: bool = False) -> Enrolment:
    """Open a `submitted` enrolment for a registered participant."""
    with unit_of_work(session):
        if session.get(Participant, participant_id) is None:
            raise ValidationFailed("Unknown participant", errors={"participant_id": ["no such participant"]})
        enrolment = Enrolment(participant_id=participant_id, jht=jht)
        cases.create_case(session, enrolment, actor=actor, data={"participant_id": participant_id, "jht": jht})
    return get_enrolment(session=session, enrolment_id=enrolment.id)


def get_enrolment(*, session: Session, enrolment_id: int) -> Enrolment:
    with read_only(session):
        enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(f"No enrolment {enrolment_id}")
    return enrolment


def transition(
    *, session: Session, actor: Actor, enrolment_id: int, trigger: str, expected_version: int,
    data: Mapping[str, Any] | None = None, reason: str | None = None, eligibility: Eligibility,
) -> Enrolment:
    """Fire one trigger on one enrolment, with its coverage side effects, in one transaction."""
    with unit_of_work(session):
        _fire(session, actor, enrolment_id, trigger, expected_version, data or {}, reason, eligibility)
    return get_enrolment(session=session, enrolment_id=enrolment_id)


def _fire(session: Session, actor: Actor, enrolment_id: int, trigger: str, expected_version: int | None,
          data: Mapping[str, Any], reason: str | None, eligibility: Eligibility) -> Enrolment:
    enrolment = cases.load_for_update(session, Enrolment, enrolment_id)
    facts = _facts(session, enrolment, eligibility) if trigger == "verify" else {}
    enrolment, event = cases.transition_case(
        session, Enrolment, enrolment_id, actor=actor, trigger=trigger,
        expected_version=enrolment.version if expected_version is None else expected_version,
        data=data, reason=reason, data_schemas=DATA_SCHEMAS, facts=facts, case=enrolment,
    )
    _apply_coverage(session, enrolment, trigger, event.data)
    return enrolment


def _facts(session: Session, enrolment: Enrolment, eligibility: Eligibility) -> dict[str, Any]:
    participant = enrolment.participant
    try:
        parse_nik(participant.nik)
        nik_problem = None
    except NikError as exc:
        nik_problem = exc.reason
    against = eligibility.reason_against(participant)
    other = session.scalar(
        sa.select(Enrolment.id).where(Enrolment.participant_id == participant.id, Enrolment.id != enrolment.id,
                                      Enrolment.state.in_(OPEN_STATES)).limit(1)
    )
    return {"nik_problem": nik_problem, "eligible": against is None, "ineligible_reason": against,
            "other_enrolment_id": other}


def _apply_coverage(session: Session, enrolment: Enrolment, trigger: str, data: Mapping[str, Any]) -> None:
    """Activation opens a coverage period; lapse and termination close it the day before `effective_date`."""
    if trigger == "activate":
        _activate(session, enrolment, data)
    elif trigger in ("lapse", "terminate"):
        _close(session, enrolment, data, trigger)


def _activate(session: Session, enrolment: Enrolment, data: Mapping[str, Any]) -> None:
    taken = session.scalar(sa.select(Participant.id).where(Participant.kpj_number == data["kpj_number"],
                                                           Participant.id != enrolment.participant_id))
    if taken is not None:
        raise Conflict("This KPJ number belongs to another participant", errors={"data.kpj_number": ["in use"]})
    enrolment.participant.kpj_number = data["kpj_number"]
    enrolment.jht = "jht" in data["programmes"]
    session.add(CoveragePeriod(participant_id=enrolment.participant_id, enrolment_id=enrolment.id,
                               programmes=sorted(set(data["programmes"])),
                               start_date=_date(data["coverage_start"]), funding="apbd"))


def _close(session: Session, enrolment: Enrolment, data: Mapping[str, Any], trigger: str) -> None:
    period = session.scalar(sa.select(CoveragePeriod).where(CoveragePeriod.enrolment_id == enrolment.id,
                                                            CoveragePeriod.end_date.is_(None)))
    if period is None:
        return  # a lapsed enrolment being terminated: its period is closed already
    effective = _date(data["effective_date"])
    if effective <= period.start_date:
        raise ValidationFailed("effective_date must be after the coverage start",
                               errors={"data.effective_date": [f"must be after {period.start_date.isoformat()}"]})
    period.end_date = effective - timedelta(days=1)
    period.end_reason = f"{trigger}: {data['reason']}"


def _date(value: Any):
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(value)


def bulk_transition(
    *, session: Session, actor: Actor, trigger: str, ids: list[int], data: Mapping[str, Any],
    reason: str | None, eligibility: Eligibility,
) -> dict[str, Any]:
    """Fire `trigger` on each enrolment in its own transaction; report every row."""
    results = []
    for enrolment_id in dict.fromkeys(ids):
        try:
            with unit_of_work(session):
                enrolment = _fire(session, actor, enrolment_id, trigger, None, data, reason, eligibility)
                results.append({"id": enrolment_id, "ok": True, "state": enrolment.state.value,
                                "version": enrolment.version, "error": None})
        except BerjasaError as exc:
            results.append({"id": enrolment_id, "ok": False, "state": None, "version": None, "error": exc.detail})
    succeeded = sum(r["ok"] for r in results)
    return {"trigger": trigger, "succeeded": succeeded, "failed": len(results) - succeeded, "results": results}


def list_enrolments(
    *, session: Session, page: int, per_page: int, state: Any = None, kecamatan: str | None = None,
    cohort: Any = None, import_batch: int | None = None,
) -> Page:
    query = sa.select(Enrolment).join(Enrolment.participant).order_by(Enrolment.id)
    if state:
        query = query.where(Enrolment.state == state)
    if kecamatan:
        query = query.where(Participant.kecamatan_code == kecamatan)
    if cohort:
        query = query.where(Participant.cohort == cohort)
    if import_batch:
        query = query.where(Enrolment.import_batch_id == import_batch)
    with read_only(session):
        return paginate(session, query, page=page, per_page=per_page)


def history(*, session: Session, enrolment_id: int) -> list:
    get_enrolment(session=session, enrolment_id=enrolment_id)
    with read_only(session):
        return cases.history(session, "enrolment", enrolment_id)
