"""The discrepancy queue: scoped reads, lists and their CSV export, and people's transitions (acknowledge, resolve,
dismiss). The checks open, reopen and resolve by data (berjasa/checks/runner.py), through the same write path."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.db import read_only
from berjasa.discrepancies import scope
from berjasa.discrepancies.models import Discrepancy
from berjasa.discrepancies.responses import subject
from berjasa.discrepancies.triggers import TRIGGERS
from berjasa.pagination import Page, paginate
from berjasa.parties.models import Party
from berjasa.parties.service import party_codes
from berjasa.sla import clocks
from berjasa.time import wita_iso
from berjasa.transaction import unit_of_work
from workflows.checks import CHECKS
from workflows.sla import Clock


def get_discrepancy(*, session: Session, actor: Actor, discrepancy_id: int) -> tuple[Discrepancy, list[Clock]]:
    with read_only(session):
        case = cases.read_case(session, Discrepancy, discrepancy_id, scope.visible(actor))
        return case, clocks.of_case(session, "discrepancy", case.id)


def transition(*, session: Session, actor: Actor, discrepancy_id: int, trigger: str, expected_version: int,
               data: Mapping[str, Any] | None = None, reason: str | None = None,
               config: Mapping[str, Any] | None = None) -> tuple[Discrepancy, list[Clock]]:
    """Acknowledge, resolve or dismiss (with a reason) one discrepancy the caller may see."""
    with unit_of_work(session):
        case = cases.lock_case(session, Discrepancy, discrepancy_id, scope.visible(actor))
        outcome = cases.transition_case(session, case, actor=actor, trigger=trigger,
                                        expected_version=expected_version, data=data, triggers=TRIGGERS,
                                        reason=reason or (data or {}).get("reason"), config=config)
    return case, outcome.clocks


def history(*, session: Session, actor: Actor, discrepancy_id: int) -> list:
    with read_only(session):
        cases.read_case(session, Discrepancy, discrepancy_id, scope.visible(actor))
        return cases.history(session, "discrepancy", discrepancy_id)


def _filtered(actor: Actor, check: str | None = None, party: str | None = None, state: Any = None,
              hospital: str | None = None, kecamatan: str | None = None, severity: str | None = None,
              states: Collection[Any] = ()) -> sa.Select:
    query = scope.visible(actor).apply(sa.select(Discrepancy), Discrepancy)
    if check:
        query = query.where(Discrepancy.check == check)
    if party:
        query = query.where(Discrepancy.party == party)
    if state:
        query = query.where(Discrepancy.state == state)
    if states:  # one of these (the pages' "still open": open or acknowledged)
        query = query.where(Discrepancy.state.in_(list(states)))
    if hospital:
        query = query.where(Discrepancy.hospital_id == sa.select(Party.id).where(Party.code == hospital)
                            .scalar_subquery())
    if kecamatan:
        query = query.where(Discrepancy.kecamatan_code == kecamatan)
    if severity:
        query = query.where(Discrepancy.check.in_([c.name for c in CHECKS if c.severity == severity]))
    return query


def list_discrepancies(*, session: Session, actor: Actor, page: int, per_page: int, **filters: Any
                       ) -> tuple[Page, dict[int, list[Clock]]]:
    """The queue, newest first, filtered; hospital staff see their hospital's only."""
    query = _filtered(actor, **filters).order_by(Discrepancy.id.desc())
    with read_only(session):
        found = paginate(session, query, page=page, per_page=per_page)
        return found, clocks.of_cases(session, "discrepancy", [d.id for d in found.items])


EXPORT_COLUMNS = ("id", "check", "severity", "state", "party", "hospital", "kecamatan", "subject_type", "subject",
                  "found_at", "evidence_at", "resolved_by_data", "evidence")


def export_csv(*, session: Session, actor: Actor, **filters: Any) -> Iterator[str]:
    """The filtered queue as CSV, streamed (oldest first), a few hundred rows per chunk of text."""
    severity = {c.name: c.severity for c in CHECKS}
    query = _filtered(actor, **filters).order_by(Discrepancy.id).execution_options(yield_per=500)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    with read_only(session):
        for case in session.scalars(query):
            hospital = party_codes(session, [case.hospital_id]).get(case.hospital_id)
            shown = subject(case, actor)
            writer.writerow([case.id, case.check, severity.get(case.check), case.state.value, case.party, hospital,
                             case.kecamatan_code, shown["type"], shown["key"], wita_iso(case.found_at),
                             wita_iso(case.evidence_at), case.resolved_by_data, _evidence_text(case.evidence)])
            if out.tell() > 65536:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()


def _evidence_text(evidence: Mapping[str, Any]) -> str:
    """Each side as `name: key=value, ... (source)`, sides separated by ' | '."""
    parts = []
    for name, part in evidence.items():
        values = ", ".join(f"{k}={v}" for k, v in (part.get("values") or {}).items())
        parts.append(f"{name}: {values} ({part.get('source')})")
    return " | ".join(parts)
