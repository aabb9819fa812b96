"""Places and participants: create, find, search. Who sees a full NIK is decided here, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from berjasa.auth.service import Actor
from berjasa.db import read_only, utcnow
from berjasa.errors import Conflict, NotFound, ValidationFailed
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit
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


#: What a correction may change (the NIK never changes), by the name the API uses.
CORRECTABLE = ("name", "sex", "birth_date", "phone", "address", "kecamatan", "kelurahan", "cohort",
               "has_disability", "decile", "decile_snapshot", "declared_income")


def correct_participant(*, session: Session, actor: Actor, participant_id: int, data: Mapping[str, Any]
                        ) -> Participant:
    """Correct a participant's recorded facts; the change (each field from and to) is an audit event of the
    participant's own hash chain (case_type "participant"). Review flags are worked out again."""
    if "nik" in data:
        raise ValidationFailed("The NIK cannot be changed", errors={"nik": [
            "never changes; a wrong NIK means another person: register them"]})
    asked = {name: data[name] for name in CORRECTABLE if name in data}
    if not asked:
        raise ValidationFailed("Nothing to correct", errors={"_schema": [
            f"give at least one of {', '.join(CORRECTABLE)}"]})
    with unit_of_work(session):
        person = session.scalar(sa.select(Participant).where(Participant.id == participant_id).with_for_update())
        if person is None:
            raise NotFound(f"No participant {participant_id}")
        if "kecamatan" in asked and session.get(Kecamatan, asked["kecamatan"]) is None:
            raise ValidationFailed("Unknown kecamatan", errors={"kecamatan": ["not one of the 15 codes 01-15"]})
        changes = {name: {"from": _plain(getattr(person, _column(name))), "to": _plain(value)}
                   for name, value in asked.items() if getattr(person, _column(name)) != value}
        for name in changes:
            setattr(person, _column(name), asked[name])
        if changes:
            person.review_flags = _flags_again(person)
            person.updated_at = utcnow()
            session.flush()
            _audit(session, actor, person, changes, data["reason"])
    return person


def _audit(session: Session, actor: Actor, person: Participant, changes: dict[str, Any], reason: str) -> None:
    event = {"case_type": "participant", "case_id": person.id, "trigger": "correct", "from_state": "registered",
             "to_state": "registered", "actor_user_id": actor.user_id, "actor": actor.username,
             "role": actor.role.value, "party": actor.party_code, "reason": reason, "data": {"changes": changes},
             "created_at": person.updated_at}
    audit.seal(event, audit.last_event(session, "participant", person.id))
    session.execute(CaseEvent.__table__.insert(), event)
    emit(session, "participant.corrected", case_type="participant", case_id=person.id, case_version=event["seq"],
         payload={"fields": sorted(changes), "actor": actor.username})


def _column(name: str) -> str:
    return "kecamatan_code" if name == "kecamatan" else name


def _plain(value: Any) -> Any:
    return getattr(value, "value", value.isoformat() if hasattr(value, "isoformat") else value)


def _flags_again(person: Participant) -> list[str]:
    """The review flags for the corrected birth date and sex (kept as they were if the NIK does not parse)."""
    try:
        info = parse_nik(person.nik)
    except NikError:
        return list(person.review_flags or [])
    return review_flags(info, birth_date=person.birth_date, sex=person.sex)


def participant_history(*, session: Session, participant_id: int) -> list[CaseEvent]:
    """The corrections of a participant, oldest first."""
    with read_only(session):
        get_participant(session=session, participant_id=participant_id)
        return list(session.scalars(sa.select(CaseEvent).where(CaseEvent.case_type == "participant",
                                                               CaseEvent.case_id == participant_id)
                                    .order_by(CaseEvent.seq)))


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


def participant_as_of(session: Session, person: Participant, at: datetime) -> Participant:
    """A copy (in no session) of the participant as recorded at `at`: the corrections made after it undone, the
    review flags worked out for what is left. A DTSEN import's decile refresh is not an audit event: not undone."""
    later = list(session.scalars(sa.select(CaseEvent).where(
        CaseEvent.case_type == "participant", CaseEvent.case_id == person.id, CaseEvent.created_at > at)
        .order_by(CaseEvent.seq.desc())))
    copy = Participant()
    for column in Participant.__table__.columns:
        set_committed_value(copy, column.key, getattr(person, column.key))
    for event in later:
        for name, change in event.data.get("changes", {}).items():
            column = Participant.__table__.c[_column(name)]
            set_committed_value(copy, column.key, _typed(column.type, change["from"]))
    if later:
        set_committed_value(copy, "review_flags", _flags_again(copy))
    return copy


def _typed(column_type: Any, value: Any) -> Any:
    """A correction's recorded (plain) value as the column holds it."""
    if value is None:
        return None
    if isinstance(column_type, sa.Enum):
        return column_type.enum_class(value)
    if isinstance(column_type, sa.Date):
        return date.fromisoformat(value)
    return value
