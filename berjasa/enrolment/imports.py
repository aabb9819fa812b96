"""The DTSEN import: validated rows become participants and `submitted` enrolments.

A kind of the import engine (berjasa.imports), which streams the file and writes it chunk by chunk.
Re-importing a file creates nothing new: a known NIK with an open enrolment only gets its decile refreshed."""

from __future__ import annotations

from datetime import date
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import allocate_ids, bulk_insert, utcnow
from berjasa.enrolment import dtsen
from berjasa.enrolment.models import Enrolment
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit
from berjasa.imports import engine
from berjasa.imports.bulk import among_many
from berjasa.imports.csvfile import Header
from berjasa.imports.kinds import Counts, LineParser
from berjasa.imports.models import ImportBatch
from berjasa.registry.models import Participant
from berjasa.sla import clocks
from workflows.enrolment import OPEN_STATES, EnrolmentState

# The engine's functions, as the API, the CLI and the worker call them (the worker runs a batch of any kind).
get_batch, row_errors, run_import = engine.get_batch, engine.row_errors, engine.run
list_batches, write_errors = engine.list_batches, engine.write_errors


def start_import(*, session: Session, requested_by: str, filename: str, file: BinaryIO,
                 background: bool = True, resume: bool = False) -> ImportBatch:
    """Check a DTSEN file and keep it as a queued batch (see berjasa.imports.engine.start)."""
    return engine.start(session=session, kind=DTSEN.name, requested_by=requested_by, filename=filename, file=file,
                        background=background, resume=resume)


class DtsenKind:
    """Participants and `submitted` enrolments from a DTSEN extract, one per NIK."""

    name = "dtsen"
    layout = dtsen.LAYOUT
    key_column = "nik"
    same_file_reuses_rows = False

    def parser(self, header: Header, today: date) -> LineParser:
        return dtsen.line_parser(header, today)

    def write(self, session: Session, batch_id: int, rows: list[dtsen.Row], actor: Actor) -> Counts:
        known = {nik: (pid, decile, snapshot, kecamatan) for pid, nik, decile, snapshot, kecamatan in session.execute(
            sa.select(Participant.id, Participant.nik, Participant.decile, Participant.decile_snapshot,
                      Participant.kecamatan_code)
            .where(among_many(session, Participant.nik, [r.nik for r in rows])))}
        new = [r for r in rows if r.nik not in known]
        ids = _insert_new(session, new)
        updated = _refresh_deciles(session, [r for r in rows if r.nik in known], known)
        # Only people known before this chunk can have an open enrolment.
        old_ids = [pid for pid, _, _, _ in known.values()]
        open_ = set(session.scalars(sa.select(Enrolment.participant_id).where(
            among_many(session, Enrolment.participant_id, old_ids), Enrolment.state.in_(OPEN_STATES)))
        ) if old_ids else set()
        ids.update({nik: pid for nik, (pid, _, _, _) in known.items()})
        kecamatan = {r.nik: r.kecamatan_code for r in new} | {nik: k[3] for nik, k in known.items()}
        enrolled = [(ids[r.nik], kecamatan[r.nik]) for r in rows if ids[r.nik] not in open_]
        _open_enrolments(session, batch_id, enrolled, actor)
        refreshed = sum(1 for r in rows if r.nik in updated and ids[r.nik] in open_)
        return Counts(created=len(enrolled), updated=refreshed, unchanged=len(rows) - len(enrolled) - refreshed)


DTSEN = DtsenKind()


def _insert_new(session: Session, rows: list[dtsen.Row]) -> dict[str, int]:
    if not rows:
        return {}
    now = utcnow()
    ids = allocate_ids(session, Participant.__table__, len(rows))
    bulk_insert(session, Participant.__table__, [{
        "id": pid, "nik": r.nik, "name": r.name, "sex": r.sex, "birth_date": r.birth_date, "phone": r.phone,
        "address": r.address, "kecamatan_code": r.kecamatan_code, "kelurahan": r.kelurahan, "cohort": r.cohort,
        "has_disability": r.has_disability, "decile": r.decile, "decile_snapshot": r.decile_snapshot,
        "declared_income": r.declared_income, "review_flags": list(r.flags), "created_at": now, "updated_at": now,
    } for pid, r in zip(ids, rows, strict=True)])
    return {r.nik: pid for pid, r in zip(ids, rows, strict=True)}


def _refresh_deciles(session: Session, rows: list[dtsen.Row], known: dict[str, tuple]) -> set[str]:
    """A newer DTSEN snapshot updates the decile of a known person; nothing else of theirs is overwritten."""
    changed = [r for r in rows if (known[r.nik][1], known[r.nik][2]) != (r.decile, r.decile_snapshot)
               and (known[r.nik][2] is None or r.decile_snapshot >= known[r.nik][2])]
    if changed:
        session.execute(sa.update(Participant), [
            {"id": known[r.nik][0], "decile": r.decile, "decile_snapshot": r.decile_snapshot, "updated_at": utcnow()}
            for r in changed])
    return {r.nik for r in changed}


def _open_enrolments(session: Session, batch_id: int, people: list[tuple[int, str]], actor: Actor) -> None:
    """A `submitted` enrolment for each (participant id, kecamatan), with its audit event (the head of its
    chain, also on the case row), its `enrolment.created` event and its SLA clocks (verification)."""
    if not people:
        return
    now = utcnow()
    ids = allocate_ids(session, Enrolment.__table__, len(people))
    events = []
    for enrolment_id, (participant_id, _) in zip(ids, people, strict=True):
        event = {
            "case_type": "enrolment", "case_id": enrolment_id, "trigger": "create", "from_state": None,
            "to_state": "submitted", "actor_user_id": actor.user_id, "actor": actor.username,
            "role": actor.role.value, "party": actor.party_code, "reason": f"DTSEN import {batch_id}",
            "data": {"participant_id": participant_id, "jht": False, "import_batch_id": batch_id}, "created_at": now}
        audit.seal(event, None)
        events.append(event)
    bulk_insert(session, Enrolment.__table__, [
        {"id": eid, "participant_id": pid, "state": EnrolmentState.submitted, "version": 1, "jht": False,
         "import_batch_id": batch_id, "last_event_hash": event["hash"], "created_at": now, "updated_at": now}
        for eid, (pid, _), event in zip(ids, people, events, strict=True)])
    bulk_insert(session, CaseEvent.__table__, events)
    for enrolment_id in ids:
        emit(session, "enrolment.created", case_type="enrolment", case_id=enrolment_id, case_version=1,
             payload={"to": "submitted", "actor": actor.username, "import_batch_id": batch_id}, plain=True)
    clocks.start_many(session, Enrolment, [(eid, k) for eid, (_, k) in zip(ids, people, strict=True)], now)
