"""What the API returns for a participant, for a given caller (the documented shape: schemas.ParticipantSchema)."""

from __future__ import annotations

from typing import Any

from berjasa.auth.service import Actor
from berjasa.registry.models import Participant
from berjasa.registry.service import shown_nik


def participant_response(participant: Participant, actor: Actor) -> dict[str, Any]:
    return {
        "id": participant.id,
        "nik": shown_nik(participant.nik, actor),
        "name": participant.name,
        "sex": participant.sex.value,
        "birth_date": participant.birth_date.isoformat(),
        "phone": participant.phone,
        "address": participant.address,
        "kecamatan": participant.kecamatan_code,
        "kelurahan": participant.kelurahan,
        "cohort": participant.cohort.value,
        "has_disability": participant.has_disability,
        "decile": participant.decile,
        "decile_snapshot": _date(participant.decile_snapshot),
        "declared_income": participant.declared_income,
        "kpj_number": participant.kpj_number,
        "review_flags": list(participant.review_flags or []),
    }


def _date(day) -> str | None:
    return day.isoformat() if day is not None else None
