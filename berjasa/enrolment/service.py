"""Enrolment cases: create, transition (with coverage periods), bulk transitions, lists."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.cases.replay import AsOf, case_as_of
from berjasa.cases.timeline import Entry, timeline
from berjasa.db import read_only
from berjasa.enrolment.models import Enrolment
from berjasa.enrolment.triggers import TRIGGERS
from berjasa.errors import BerjasaError, NotFound, ValidationFailed
from berjasa.events.models import CaseEvent
from berjasa.pagination import Page, paginate
from berjasa.registry.models import Participant
from berjasa.registry.service import participant_as_of
from berjasa.sla import clocks
from berjasa.transaction import unit_of_work
from workflows.sla import Clock


def create_enrolment(*, session: Session, actor: Actor, participant_id: int, jht: bool = False
                      ) -> tuple[Enrolment, list[Clock]]:
    """Open a `submitted` enrolment for a registered participant; return it with its clocks."""
    with unit_of_work(session):
        participant = session.get(Participant, participant_id)
        if participant is None:
            raise ValidationFailed("Unknown participant", errors={"participant_id": ["no such participant"]})
        enrolment = Enrolment(participant_id=participant_id, jht=jht, participant=participant)
        outcome = cases.create_case(session, enrolment, actor=actor,
                                    data={"participant_id": participant_id, "jht": jht})
    return get_enrolment(session=session, enrolment_id=enrolment.id), outcome.clocks


def get_enrolment(*, session: Session, enrolment_id: int) -> Enrolment:
    with read_only(session):
        enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(f"No enrolment {enrolment_id}")
    return enrolment


def get_enrolment_with_clocks(*, session: Session, enrolment_id: int) -> tuple[Enrolment, list[Clock]]:
    enrolment = get_enrolment(session=session, enrolment_id=enrolment_id)
    with read_only(session):
        return enrolment, clocks.of_case(session, "enrolment", enrolment_id)


def enrolment_as_of(*, session: Session, enrolment_id: int, at: datetime) -> AsOf:
    """The enrolment as it stood at `at`, rebuilt from its audit log, with its participant as recorded then."""
    enrolment = get_enrolment(session=session, enrolment_id=enrolment_id)
    with read_only(session):
        past = case_as_of(session, enrolment, at)
        person = participant_as_of(session, enrolment.participant, at)
        set_committed_value(person, "kpj_number", _kpj_number(session, person.id, at))
    set_committed_value(past.case, "participant", person)
    return past


def _kpj_number(session: Session, participant_id: int, at: datetime) -> str | None:
    """The KPJ number BPJS gave the person by `at`: the latest activation's (none before the first)."""
    data = session.scalar(
        sa.select(CaseEvent.data).join(Enrolment, sa.and_(CaseEvent.case_type == "enrolment",
                                                          CaseEvent.case_id == Enrolment.id))
        .where(Enrolment.participant_id == participant_id, CaseEvent.trigger == "activate", CaseEvent.created_at <= at)
        .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()).limit(1))
    return data.get("kpj_number") if data else None


def transition(
    *, session: Session, actor: Actor, enrolment_id: int, trigger: str, expected_version: int,
    data: Mapping[str, Any] | None = None, reason: str | None = None, config: Mapping[str, Any],
) -> tuple[Enrolment, list[Clock]]:
    """Fire one trigger on one enrolment, with its coverage side effects, in one transaction."""
    with unit_of_work(session):
        enrolment = cases.lock_case(session, Enrolment, enrolment_id)
        outcome = cases.transition_case(session, enrolment, actor=actor, trigger=trigger,
                                        expected_version=expected_version, data=data, reason=reason,
                                        triggers=TRIGGERS, config=config)
    return enrolment, outcome.clocks


def bulk_transition(
    *, session: Session, actor: Actor, trigger: str, ids: list[int], data: Mapping[str, Any],
    reason: str | None, config: Mapping[str, Any],
) -> dict[str, Any]:
    """Fire `trigger` on each enrolment (at the version it has) in its own transaction; report every row."""
    results = []
    for enrolment_id in dict.fromkeys(ids):
        try:
            with unit_of_work(session):
                enrolment = cases.lock_case(session, Enrolment, enrolment_id)
                cases.transition_case(session, enrolment, actor=actor, trigger=trigger,
                                      expected_version=enrolment.version, data=data, reason=reason,
                                      triggers=TRIGGERS, config=config)
                results.append({"id": enrolment_id, "ok": True, "state": enrolment.state.value,
                                "version": enrolment.version, "error": None})
        except BerjasaError as exc:
            results.append({"id": enrolment_id, "ok": False, "state": None, "version": None, "error": exc.detail})
    succeeded = sum(r["ok"] for r in results)
    return {"trigger": trigger, "succeeded": succeeded, "failed": len(results) - succeeded, "results": results}


def list_enrolments(
    *, session: Session, page: int, per_page: int, state: Any = None, kecamatan: str | None = None,
    cohort: Any = None, import_batch: int | None = None, participant_id: int | None = None,
    overdue: bool | None = None, due_before: Any = None,
) -> tuple[Page, dict[int, list[Clock]]]:
    query = sa.select(Enrolment).join(Enrolment.participant).order_by(Enrolment.id)
    query = clocks.filtered(query, Enrolment, overdue=overdue, due_before=due_before)
    if participant_id is not None:
        with read_only(session):
            if session.get(Participant, participant_id) is None:
                raise NotFound(f"No participant {participant_id}")
        query = query.where(Enrolment.participant_id == participant_id)
    if state:
        query = query.where(Enrolment.state == state)
    if kecamatan:
        query = query.where(Participant.kecamatan_code == kecamatan)
    if cohort:
        query = query.where(Participant.cohort == cohort)
    if import_batch:
        query = query.where(Enrolment.import_batch_id == import_batch)
    with read_only(session):
        found = paginate(session, query, page=page, per_page=per_page)
        return found, clocks.of_cases(session, "enrolment", [e.id for e in found.items])


def enrolment_timeline(*, session: Session, actor: Actor, enrolment_id: int) -> list[Entry]:
    """Everything that happened to the enrolment, oldest first."""
    get_enrolment(session=session, enrolment_id=enrolment_id)
    with read_only(session):
        return timeline(session, actor, "enrolment", enrolment_id)


def history(*, session: Session, enrolment_id: int) -> list:
    get_enrolment(session=session, enrolment_id=enrolment_id)
    with read_only(session):
        return cases.history(session, "enrolment", enrolment_id)
