"""Audit verifications: a supervisor asks, a worker runs `berjasa.events.audit.verify`, the result is kept."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.audit.models import AuditVerification
from berjasa.auth.service import Actor
from berjasa.db import read_only, utcnow
from berjasa.errors import NotFound
from berjasa.events import audit
from berjasa.events.outbox import emit
from berjasa.pagination import Page, paginate
from berjasa.transaction import unit_of_work

REQUESTED = "audit.verification_requested"


def request_verification(*, session: Session, actor: Actor) -> AuditVerification:
    """Record a queued run; a worker picks it up after the commit (the `audit_verification` consumer)."""
    with unit_of_work(session):
        run = AuditVerification(status="queued", requested_by=actor.username)
        session.add(run)
        session.flush()
        emit(session, REQUESTED, payload={"verification_id": run.id})
    return run


def get_verification(*, session: Session, verification_id: int) -> AuditVerification:
    with read_only(session):
        run = session.get(AuditVerification, verification_id)
    if run is None:
        raise NotFound(f"No audit verification {verification_id}")
    return run


def list_verifications(*, session: Session, page: int, per_page: int) -> Page:
    query = sa.select(AuditVerification).order_by(AuditVerification.id.desc())
    with read_only(session):
        return paginate(session, query, page=page, per_page=per_page)


def run_verification(*, session: Session, verification_id: int) -> AuditVerification:
    """Run a queued verification (again after a crash: a run that did not finish starts over)."""
    with unit_of_work(session):
        run = session.get(AuditVerification, verification_id, with_for_update=True)
        if run is None:
            raise NotFound(f"No audit verification {verification_id}")
        if run.status == "done":
            return run
        run.status, run.started_at = "running", utcnow()
    with session.begin():  # one snapshot for the whole walk
        result = audit.verify(session)
    with unit_of_work(session):
        session.execute(sa.update(AuditVerification).where(AuditVerification.id == verification_id).values(
            status="done", finished_at=utcnow(), **outcome(result)))
    return get_verification(session=session, verification_id=verification_id)


def outcome(result: audit.VerifyResult) -> dict[str, Any]:
    return {"events": result.events, "cases": result.cases, "broken_cases": result.broken_cases,
            "first_break": result.first_break.as_dict() if result.first_break else None}
