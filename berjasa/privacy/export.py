"""Everything held about a person, for a data-subject request (UU 27/2022): `berjasa privacy export NIK`.

Found by the NIK, or, once the retention rule has pseudonymised them, by the NIK's pseudonym (the same
instance secret finds it). The export holds: the participant's record and the audit events of its own chain
(corrections, pseudonymisation); each enrolment and each claim (by participant or by NIK) with its audit events,
SLA clocks, breaches and the hospitals tied to it; cover periods; the notifications sent to staff about those
cases; and the imports the person's enrolments came from."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.claims.models import Claim, ClaimHospital
from berjasa.db import utcnow
from berjasa.enrolment.models import CoveragePeriod, Enrolment, ImportBatch
from berjasa.events.models import CaseEvent
from berjasa.notifications.models import Notification
from berjasa.parties.models import Party
from berjasa.privacy.pseudonym import pseudonym
from berjasa.registry.models import Participant
from berjasa.sla.models import Breach, ClockRow


def export(session: Session, nik: str, *, secret: str) -> dict[str, Any] | None:
    """What is held about the holder of `nik`; None when nothing is."""
    with session.begin():
        keys = [nik, pseudonym(nik, secret)]
        person = session.scalar(sa.select(Participant).where(Participant.nik.in_(keys)))
        claim_filter = Claim.nik.in_(keys) if person is None else sa.or_(Claim.nik.in_(keys),
                                                                          Claim.participant_id == person.id)
        claims = session.scalars(sa.select(Claim).where(claim_filter).order_by(Claim.id)).all()
        enrolments = [] if person is None else session.scalars(
            sa.select(Enrolment).where(Enrolment.participant_id == person.id).order_by(Enrolment.id)).all()
        if person is None and not claims:
            return None
        cases = [("enrolment", e.id) for e in enrolments] + [("claim", c.id) for c in claims]
        return {
            "generated_at": _plain(utcnow()),
            "basis": "UU 27/2022 data-subject request",
            "participant": _row(person) if person is not None else None,
            "participant_history": _rows(_events(session, [("participant", person.id)] if person else [])),
            "coverage_periods": [] if person is None else _rows(session.scalars(
                sa.select(CoveragePeriod).where(CoveragePeriod.participant_id == person.id)
                .order_by(CoveragePeriod.id))),
            "enrolments": [_case(session, e, "enrolment") for e in enrolments],
            "claims": [_claim(session, c) for c in claims],
            "notifications": _rows(session.scalars(sa.select(Notification).where(
                sa.tuple_(Notification.case_type, Notification.case_id).in_(cases)).order_by(Notification.id))
            ) if cases else [],
            "imports": _rows(session.scalars(sa.select(ImportBatch).where(ImportBatch.id.in_(
                {e.import_batch_id for e in enrolments if e.import_batch_id})).order_by(ImportBatch.id))),
        }


def _case(session: Session, case: Any, case_type: str) -> dict[str, Any]:
    return {**_row(case), "history": _rows(_events(session, [(case_type, case.id)])),
            "clocks": _rows(session.scalars(sa.select(ClockRow).where(
                ClockRow.case_type == case_type, ClockRow.case_id == case.id).order_by(ClockRow.id))),
            "breaches": _rows(session.scalars(sa.select(Breach).where(
                Breach.case_type == case_type, Breach.case_id == case.id).order_by(Breach.id)))}


def _claim(session: Session, claim: Claim) -> dict[str, Any]:
    hospitals = session.execute(sa.select(Party.code, ClaimHospital.relation, ClaimHospital.since)
                                .join(Party, Party.id == ClaimHospital.hospital_id)
                                .where(ClaimHospital.claim_id == claim.id).order_by(ClaimHospital.since)).all()
    return {**_case(session, claim, "claim"),
            "hospitals": [{"hospital": code, "relation": relation, "since": _plain(since)}
                          for code, relation, since in hospitals]}


def _events(session: Session, cases: list[tuple[str, int]]) -> Iterable[CaseEvent]:
    if not cases:
        return []
    return session.scalars(sa.select(CaseEvent).where(sa.tuple_(CaseEvent.case_type, CaseEvent.case_id).in_(cases))
                           .order_by(CaseEvent.case_type, CaseEvent.case_id, CaseEvent.seq))


def _rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [_row(row) for row in rows]


def _row(row: Any) -> dict[str, Any]:
    """Every stored column of a row (deferred ones, such as an import's file, left out)."""
    table = row.__table__
    skipped = {"content"} if table.name == "import_batches" else set()
    return {column.key: _plain(getattr(row, column.key)) for column in table.columns if column.key not in skipped}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value
