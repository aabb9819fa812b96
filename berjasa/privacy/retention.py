"""The personal-data retention rule: a participant with no open case for PERSONAL_DATA_RETENTION_YEARS years is
pseudonymised.

"No open case": every enrolment of theirs is terminated, rejected or lapsed (cover ended), every claim of theirs
(by participant or by NIK) is closed, rejected or withdrawn, no cover period runs, and none of these, nor the
person's record, changed within the period. Five years by default: a JKK claim expires five years after the
accident (PP 82/2019 Art. 26), so by then nothing can be claimed for the cover they had.

Pseudonymised: the NIK becomes a keyed pseudonym (berjasa.privacy.pseudonym), the name, phone, address,
kelurahan and KPJ number are removed, the birth date keeps its year; their claims lose the NIK (the same
pseudonym), the reporter's name and phone, the place, chronology and injury, and the free-text notes of the care
record; stored replies to retried requests (idempotency keys) of those claims are deleted. What statistics and
past premium reports read stays: sex, kecamatan, cohort, disability, decile, declared income, the states, dates
and amounts. The audit log is kept as it is (its hash chains must verify): it holds no NIK, and each
pseudonymisation is itself an audit event of the person's chain, naming the fields and no values."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.claims.models import Claim, IdempotencyKey
from berjasa.db import utcnow
from berjasa.enrolment.models import CoveragePeriod, Enrolment
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit
from berjasa.privacy.pseudonym import pseudonym
from berjasa.registry.models import Participant
from berjasa.transaction import unit_of_work
from workflows.claim import WORKFLOW as CLAIM
from workflows.enrolment import WORKFLOW as ENROLMENT
from workflows.enrolment import EnrolmentState

#: Enrolment states in which nothing more happens by itself: the final ones, and lapsed (cover ended; BPJS needs a
#: new registration).
ENROLMENT_CLOSED = sorted(s.value for s in (*ENROLMENT.final, EnrolmentState.lapsed))
CLAIM_CLOSED = sorted(s.value for s in CLAIM.final)
PARTICIPANT_FIELDS = ("nik", "name", "birth_date", "phone", "address", "kelurahan", "kpj_number", "review_flags")
CLAIM_FIELDS = ("nik", "reporter_name", "reporter_phone", "place", "chronology", "injury", "care")
REMOVED = "[pseudonymised]"
#: Keys of a claim's care record that hold free text.
FREE_TEXT = frozenset({"note", "reason"})
BATCH = 200


def cutoff(now: datetime, years: int) -> datetime:
    """`now`, `years` years earlier (29 February becomes 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def due(session: Session, *, years: int, now: datetime | None = None) -> list[int]:
    """Ids of the participants the rule applies to now, oldest first."""
    limit = cutoff(now or utcnow(), years)
    people = Participant.__table__
    enrolment_open = sa.exists().where(Enrolment.participant_id == people.c.id, sa.or_(
        Enrolment.state.not_in(ENROLMENT_CLOSED), Enrolment.updated_at >= limit))
    claim_open = sa.exists().where(sa.or_(Claim.participant_id == people.c.id, Claim.nik == people.c.nik), sa.or_(
        Claim.state.not_in(CLAIM_CLOSED), Claim.updated_at >= limit))
    covered = sa.exists().where(CoveragePeriod.participant_id == people.c.id, sa.or_(
        CoveragePeriod.end_date.is_(None), CoveragePeriod.end_date >= limit.date()))
    query = (sa.select(people.c.id).where(people.c.pseudonymised_at.is_(None), people.c.updated_at < limit,
                                          people.c.created_at < limit, ~enrolment_open, ~claim_open, ~covered)
             .order_by(people.c.id))
    with session.begin():
        return list(session.scalars(query))


def pseudonymise(session: Session, participant_ids: Sequence[int], *, secret: str, years: int,
                 actor: Actor) -> int:
    """Apply the rule to these participants (BATCH per transaction); return how many were pseudonymised."""
    done = 0
    for start in range(0, len(participant_ids), BATCH):
        with unit_of_work(session):
            people = session.scalars(sa.select(Participant).where(
                Participant.id.in_(participant_ids[start:start + BATCH]), Participant.pseudonymised_at.is_(None))
                .with_for_update()).all()
            for person in people:
                _pseudonymise(session, person, secret, years, actor)
        done += len(people)
    return done


def _pseudonymise(session: Session, person: Participant, secret: str, years: int, actor: Actor) -> None:
    nik, alias, now = person.nik, pseudonym(person.nik, secret), utcnow()
    claims = session.scalars(sa.select(Claim).where(sa.or_(Claim.participant_id == person.id, Claim.nik == nik))
                             .with_for_update(of=Claim)).all()
    for claim in claims:
        claim.nik, claim.reporter_name, claim.reporter_phone = alias, REMOVED, "-"
        claim.place, claim.chronology, claim.injury = REMOVED, REMOVED, REMOVED
        claim.care = dict(_without_free_text(claim.care or {}))
    if claims:
        session.execute(sa.delete(IdempotencyKey).where(
            IdempotencyKey.body["id"].as_integer().in_([c.id for c in claims])))
    person.nik, person.name, person.birth_date = alias, REMOVED, date(person.birth_date.year, 1, 1)
    person.phone = person.address = person.kelurahan = person.kpj_number = None
    person.review_flags, person.pseudonymised_at, person.updated_at = [], now, now
    session.flush()
    event = {"case_type": "participant", "case_id": person.id, "trigger": "pseudonymise",
             "from_state": "registered", "to_state": "pseudonymised", "actor_user_id": actor.user_id,
             "actor": actor.username, "role": actor.role.value, "party": actor.party_code,
             "reason": f"no open case for {years} years (personal data retention)",
             "data": {"fields": list(PARTICIPANT_FIELDS), "claims": sorted(c.id for c in claims),
                      "claim_fields": list(CLAIM_FIELDS) if claims else []},
             "created_at": now}
    audit.seal(event, audit.last_event(session, "participant", person.id))
    session.execute(CaseEvent.__table__.insert(), event)
    emit(session, "participant.pseudonymised", case_type="participant", case_id=person.id,
         case_version=event["seq"], payload={"claims": event["data"]["claims"]}, plain=True)


def _without_free_text(value: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, item in value.items():
        if key in FREE_TEXT:
            continue
        if isinstance(item, dict):
            yield key, dict(_without_free_text(item))
        elif isinstance(item, list):
            yield key, [dict(_without_free_text(i)) if isinstance(i, dict) else i for i in item]
        else:
            yield key, item
