"""What the API returns for an enrolment, for a given caller (the documented shape: schemas.EnrolmentSchema)."""

from __future__ import annotations

from typing import Any

from berjasa.auth.service import Actor
from berjasa.enrolment.models import Enrolment
from berjasa.registry.responses import participant_response
from berjasa.time import wita_iso


def enrolment_response(enrolment: Enrolment, actor: Actor) -> dict[str, Any]:
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
