"""What the API returns for a discrepancy, for a given caller (the documented shape: schemas.DiscrepancySchema)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.discrepancies.models import Discrepancy
from berjasa.parties.service import party_codes
from berjasa.registry.service import shown_nik
from berjasa.sla.responses import clock_responses
from berjasa.time import wita_iso
from workflows.checks import BY_NAME
from workflows.sla import Clock

LINKS = {"enrolment": "/api/v1/enrolments/{}", "participant": "/api/v1/participants/{}",
         "claim": "/api/v1/claims/{}", "invoice": "/api/v1/premiums/invoices/{}"}


def discrepancy_response(session: Session, case: Discrepancy, actor: Actor, clocks: list[Clock]) -> dict[str, Any]:
    check = BY_NAME.get(case.check)
    hospital = party_codes(session, [case.hospital_id]).get(case.hospital_id)
    return {
        "id": case.id,
        "state": case.state.value,
        "version": case.version,
        "created_at": wita_iso(case.created_at),
        "updated_at": wita_iso(case.updated_at),
        "allowed_triggers": case.workflow.allowed_triggers(case, actor.role),
        "check": case.check,
        "compares": check.compares if check else None,
        "severity": check.severity if check else None,
        "party": hospital if case.party == "hospital" and hospital else case.party,
        "hospital": hospital,
        "kecamatan": case.kecamatan_code,
        "subject": subject(case, actor),
        "evidence": case.evidence,
        "found_at": wita_iso(case.found_at),
        "evidence_at": wita_iso(case.evidence_at),
        "resolved_by_data": case.resolved_by_data,
        "clocks": clock_responses(session, clocks),
    }


def subject(case: Discrepancy, actor: Actor) -> dict[str, Any]:
    """What the discrepancy is about; a NIK shown whole only to the roles that see whole NIKs."""
    key = shown_nik(case.subject_key, actor) if case.subject_type == "nik" else case.subject_key
    link = LINKS.get(case.subject_type)
    return {"type": case.subject_type, "key": key, "link": link.format(case.subject_key) if link else None}
