"""What the API shows of a clock and of a breach."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from berjasa.db import utcnow
from berjasa.parties.service import party_codes
from berjasa.sla import policies as policy_store
from berjasa.sla.models import Breach
from berjasa.time import wita_iso
from workflows.sla import Clock


def clock_responses(session: Session, clocks: Iterable[Clock], now: datetime | None = None) -> list[dict[str, Any]]:
    clocks = list(clocks)
    codes = party_codes(session, {c.hospital_id for c in clocks})
    policies = policy_store.by_name()
    now = now or utcnow()
    return [clock_response(c, policies, codes, now) for c in clocks]


def clock_response(clock: Clock, policies: Mapping, codes: Mapping[int, str], now: datetime) -> dict[str, Any]:
    policy = policies.get(clock.policy)
    running = clock.state in ("running", "breached")
    late = clock.lateness if clock.state == "met" else (
        (now - clock.due_at).total_seconds() if running and clock.due_at <= now else None)
    return {
        "id": clock.id,
        "policy": clock.policy,
        "run": clock.run,
        "party": clock.party,
        "hospital": codes.get(clock.hospital_id),
        "state": clock.state,
        "started_at": wita_iso(clock.started_at),
        "due_at": wita_iso(clock.due_at),
        "warn_at": wita_iso(clock.warn_at),
        "stopped_at": wita_iso(clock.stopped_at),
        "remaining_seconds": round((clock.due_at - now).total_seconds()) if running and clock.due_at > now else None,
        "late_seconds": round(late) if late is not None and late > 0 else None,
        "source": policy.source if policy else None,
    }


def breach_responses(session: Session, breaches: Iterable[Breach]) -> list[dict[str, Any]]:
    breaches = list(breaches)
    codes = party_codes(session, {b.hospital_id for b in breaches})
    return [{
        "id": b.id, "clock_id": b.clock_id, "case_type": b.case_type, "case_id": b.case_id, "policy": b.policy,
        "party": b.party, "hospital": codes.get(b.hospital_id), "kecamatan": b.kecamatan_code,
        "due_at": wita_iso(b.due_at), "breached_at": wita_iso(b.breached_at), "recorded_at": wita_iso(b.recorded_at),
        "met_at": wita_iso(b.met_at), "late_seconds": round(b.lateness) if b.lateness is not None else None,
        "escalated_at": wita_iso(b.escalated_at), "justified": b.justified,
        "justification": {"code": b.justification_code, "note": b.justification_note, "by": b.justified_by,
                          "at": wita_iso(b.justified_at)} if b.justified else None,
    } for b in breaches]
