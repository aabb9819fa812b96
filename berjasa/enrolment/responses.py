"""What the API returns for an enrolment, for a given caller (the documented shape: schemas.EnrolmentSchema)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases.replay import AsOf
from berjasa.enrolment.models import Enrolment
from berjasa.registry.responses import participant_response
from berjasa.sla.responses import clock_responses
from berjasa.time import wita_iso
from workflows.sla import Clock


def enrolment_response(session: Session, enrolment: Enrolment, actor: Actor, clocks: list[Clock]
                       ) -> dict[str, Any]:
    return _response(enrolment, actor) | {"clocks": clock_responses(session, clocks)}


def past_enrolment_response(session: Session, actor: Actor, past: AsOf) -> dict[str, Any]:
    """The enrolment (and its participant) as it stood at `past.at` (GET ?as_of=); nothing can be fired."""
    return _response(past.case, actor) | {"allowed_triggers": [],
                                                   "clocks": clock_responses(session, past.clocks, now=past.at)}


def _response(enrolment: Enrolment, actor: Actor) -> dict[str, Any]:
    return {
        "id": enrolment.id,
        "state": enrolment.state.value,
        "version": enrolment.version,
        "created_at": wita_iso(enrolment.created_at),
        "updated_at": wita_iso(enrolment.updated_at),
        "allowed_triggers": enrolment.workflow.allowed_triggers(enrolment, actor.role),
        "participant": participant_response(enrolment.participant, actor),
        "programmes": enrolment.programmes,
        "import_batch_id": enrolment.import_batch_id,
    }
