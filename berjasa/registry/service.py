"""Places and participants: create, find, search. Who sees a full NIK is decided here, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import read_only, utcnow
from berjasa.errors import Conflict, NotFound, ValidationFailed
from berjasa.logs import mask_nik
from berjasa.pagination import Page, paginate
from berjasa.registry.models import Kecamatan, Participant
from berjasa.registry.nik import NikError, parse_nik, review_flags
from berjasa.transaction import unit_of_work
from workflows.roles import Role

#: Roles whose work needs the full NIK (matching with Dukcapil, BPJS membership); others see it masked.
FULL_NIK_ROLES = frozenset({Role.CASEWORKER, Role.BPJS_OFFICER})


def list_kecamatan(*, session: Session) -> list[Kecamatan]:
    return list(session.scalars(sa.select(Kecamatan).order_by(Kecamatan.code)))


def shown_nik(nik: str, actor: Actor) -> str:
    return nik if actor.role in FULL_NIK_ROLES else mask_nik(nik)


def create_participant(*, session: Session, data: Mapping[str, Any]) -> Participant:
    """Register a person; a NIK whose birth date or sex disagrees is accepted with a review flag."""
    try:
        info = parse_nik(data["nik"])
    except NikError as exc:
        raise ValidationFailed(f"Invalid NIK: {exc.reason}", errors={"nik": [exc.reason]}) from None
    flags = review_flags(info, birth_date=data["birth_date"], sex=data["sex"])
    with unit_of_work(session):
        if session.get(Kecamatan, data["kecamatan"]) is None:
            raise ValidationFailed("Unknown kecamatan", errors={"kecamatan": ["not one of the 15 codes 01-15"]})
        if session.scalar(sa.select(Participant.id).where(Participant.nik == info.nik)) is not None:
            raise Conflict("A participant with this NIK is registered already", errors={"nik": ["already registered"]})
        fields = {k: v for k, v in data.items() if k not in ("nik", "kecamatan")}
        participant = Participant(nik=info.nik, kecamatan_code=data["kecamatan"], review_flags=flags, **fields)
        session.add(participant)
    return participant


def get_participant(*, session: Session, participant_id: int) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound(f"No participant {participant_id}")
    return participant


def find_by_nik(*, session: Session, nik: str) -> Participant | None:
    return session.scalar(sa.select(Participant).where(Participant.nik == nik.strip()))


def search_participants(
    *, session: Session, page: int, per_page: int, nik: str | None = None, name: str | None = None,
    kecamatan: str | None = None, cohort: str | None = None,
) -> Page:
    query = sa.select(Participant).order_by(Participant.id)
    if nik:
        query = query.where(Participant.nik == nik.strip())
    if name:
        query = query.where(Participant.name.ilike(f"%{name.strip()}%"))
    if kecamatan:
        query = query.where(Participant.kecamatan_code == kecamatan)
    if cohort:
        query = query.where(Participant.cohort == cohort)
    with read_only(session):
        return paginate(session, query, page=page, per_page=per_page)


def touch(participant: Participant) -> None:
    participant.updated_at = utcnow()
