"""Opening many discrepancies at once (a check run that finds thousands after a BPJS file): the case rows, their
first audit events (each the head of its chain, kept on the row), their `discrepancy.created` events and their SLA
clocks, written with one bulk statement per table, as the bulk import opens enrolments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.checks.findings import Finding
from berjasa.db import allocate_ids, bulk_insert
from berjasa.discrepancies.models import Discrepancy
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit, plain_json
from berjasa.sla import clocks
from workflows.checks import Check
from workflows.discrepancy import DiscrepancyState


def open_many(session: Session, check: Check, findings: Sequence[Finding], *, actor: Actor, run_id: int,
              now: datetime) -> list[int]:
    """Open a discrepancy per finding (none of them known yet), in the caller's transaction; return their ids."""
    if not findings:
        return []
    ids = allocate_ids(session, Discrepancy.__table__, len(findings))
    events, rows = [], []
    for case_id, finding in zip(ids, findings, strict=True):
        party = check.party
        event = {
            "case_type": "discrepancy", "case_id": case_id, "trigger": "create", "from_state": None,
            "to_state": DiscrepancyState.open.value, "actor_user_id": None, "actor": actor.username,
            "role": actor.role.value, "party": None, "reason": f"found by check run {run_id}",
            "data": {"check": check.name, "subject": list(finding.key), "run": run_id}, "created_at": now}
        audit.seal(event, None)
        events.append(event)
        rows.append({
            "id": case_id, "state": DiscrepancyState.open, "version": 1, "check_name": check.name,
            "subject_type": finding.subject_type, "subject_key": finding.subject_key, "party": party,
            "hospital_id": finding.hospital_id, "kecamatan_code": finding.kecamatan,
            "participant_id": finding.participant_id, "claim_id": finding.claim_id,
            "evidence": plain_json(finding.evidence), "evidence_hash": finding.evidence_hash, "found_at": now,
            "evidence_at": now, "resolved_by_data": False, "last_event_hash": event["hash"], "created_at": now,
            "updated_at": now})
    bulk_insert(session, Discrepancy.__table__, rows)
    bulk_insert(session, CaseEvent.__table__, events)
    for row in rows:
        emit(session, "discrepancy.created", case_type="discrepancy", case_id=row["id"], case_version=1,
             payload={"to": "open", "actor": actor.username, "check": check.name, "party": row["party"],
                      "hospital_id": row["hospital_id"]}, plain=True)
    clocks.start_many(session, Discrepancy, [(row["id"], row["kecamatan_code"], row["party"], row["hospital_id"])
                                             for row in rows], now)
    return ids
