"""The DTSEN bulk import: validated rows become participants and `submitted` enrolments.

Rows are written in chunks, each chunk one transaction, so a row is never half written and
progress is visible while a large file runs. Re-importing a file creates nothing new: a known
NIK with an open enrolment only gets its decile refreshed."""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import among, bulk_insert, read_only, utcnow
from berjasa.enrolment import dtsen
from berjasa.enrolment.models import Enrolment, ImportBatch, ImportRowError
from berjasa.errors import NotFound, ValidationFailed
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from berjasa.events.outbox import emit
from berjasa.pagination import Page, paginate
from berjasa.registry.models import Participant
from berjasa.transaction import unit_of_work
from workflows.enrolment import OPEN_STATES, EnrolmentState

CHUNK = 10000
#: A chunk is at most CHUNK rows and at most 1% of the file (at least MIN_CHUNK rows, a fraction of a second),
#: so the progress bar moves at least every 1% or so often.
MIN_CHUNK = 100
Progress = Callable[[ImportBatch], None]


def check_file(content: bytes) -> int:
    """Refuse a binary file, a wrong header or an empty file at once (422); return the number of data lines."""
    try:
        next(dtsen.read(content), None)
    except dtsen.FileRefused as exc:
        raise ValidationFailed(exc.reason, errors=exc.errors) from None
    lines = content.decode("utf-8-sig").splitlines()
    return sum(1 for line in lines[1:] if line.strip())


def start_import(*, session: Session, requested_by: str, filename: str, content: bytes,
                 background: bool = True) -> ImportBatch:
    """Record the file as a queued batch; with `background`, a worker picks it up after the commit."""
    total = check_file(content)
    with unit_of_work(session):
        batch = ImportBatch(filename=filename[:200], sha256=hashlib.sha256(content).hexdigest(), status="queued",
                            total=total, requested_by=requested_by, content=content)
        session.add(batch)
        session.flush()
        if background:
            emit(session, "import.requested", payload={"batch_id": batch.id})
    return batch


def get_batch(*, session: Session, batch_id: int) -> ImportBatch:
    with read_only(session):
        batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(f"No import {batch_id}")
    return batch


def list_batches(*, session: Session, page: int, per_page: int) -> Page:
    """Past and running imports, newest first."""
    with read_only(session):
        return paginate(session, sa.select(ImportBatch).order_by(ImportBatch.id.desc()), page=page, per_page=per_page)


def row_errors(*, session: Session, batch_id: int) -> list[ImportRowError]:
    get_batch(session=session, batch_id=batch_id)
    with read_only(session):
        return list(session.scalars(sa.select(ImportRowError).where(ImportRowError.batch_id == batch_id)
                                    .order_by(ImportRowError.line, ImportRowError.id)))


def run_import(*, session: Session, batch_id: int, actor: Actor, progress: Progress | None = None) -> ImportBatch:
    """Import a queued batch chunk by chunk; safe to run again after a crash (it resumes where it stopped)."""
    with unit_of_work(session):
        batch = session.get(ImportBatch, batch_id, with_for_update=True)
        if batch is None:
            raise NotFound(f"No import {batch_id}")
        if batch.status == "done":
            return batch
        batch.status = "running"
        content, skip = batch.content or b"", batch.done
    parsed = itertools.islice(dtsen.read(content), skip, None)
    for chunk in _chunks(parsed, chunk_size(batch.total)):
        with unit_of_work(session):
            counts = _import_chunk(session, batch_id, chunk, actor)
            session.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(
                done=ImportBatch.done + len(chunk), **{k: getattr(ImportBatch, k) + v for k, v in counts.items()}))
        if progress:
            progress(get_batch(session=session, batch_id=batch_id))
    with unit_of_work(session):
        # `total` was counted from the file's lines at upload; what was read is the truth.
        session.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(
            status="done", finished_at=utcnow(), content=None, total=ImportBatch.done))
    return get_batch(session=session, batch_id=batch_id)


def chunk_size(total: int) -> int:
    """Rows per chunk (one transaction each): at most 1% of the file, MIN_CHUNK to CHUNK rows."""
    return min(CHUNK, max(MIN_CHUNK, total // 100))


def write_errors(errors: Iterable[ImportRowError], out: IO[str]) -> None:
    """The refused rows as CSV: line, column, reason."""
    writer = csv.writer(out)
    writer.writerow(["line", "column", "reason"])
    for error in errors:
        writer.writerow([error.line, error.column, error.reason])


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _import_chunk(session: Session, batch_id: int, chunk: list[Any], actor: Actor) -> dict[str, int]:
    rows = [item for item in chunk if isinstance(item, dtsen.Row)]
    errors = [error for item in chunk if not isinstance(item, dtsen.Row) for error in item]
    if errors:
        session.execute(ImportRowError.__table__.insert(), [
            {"batch_id": batch_id, "line": e.number, "column": e.column, "reason": e.reason[:300]} for e in errors])
    known = {nik: (pid, decile, snapshot) for pid, nik, decile, snapshot in session.execute(
        sa.select(Participant.id, Participant.nik, Participant.decile, Participant.decile_snapshot)
        .where(among(session, Participant.nik, [r.nik for r in rows])))}
    ids = _insert_new(session, [r for r in rows if r.nik not in known])
    updated = _refresh_deciles(session, [r for r in rows if r.nik in known], known)
    ids.update({nik: pid for nik, (pid, _, _) in known.items()})
    open_ = set(session.scalars(sa.select(Enrolment.participant_id).where(
        among(session, Enrolment.participant_id, list(ids.values())), Enrolment.state.in_(OPEN_STATES))))
    to_enrol = [ids[r.nik] for r in rows if ids[r.nik] not in open_]
    _open_enrolments(session, batch_id, to_enrol, actor)
    enrolled = set(to_enrol)
    return {
        "created": len(enrolled),
        "updated": sum(1 for r in rows if r.nik in updated and ids[r.nik] not in enrolled),
        "unchanged": sum(1 for r in rows if r.nik not in updated and ids[r.nik] not in enrolled),
        "rejected": len(chunk) - len(rows),
    }


def _insert_new(session: Session, rows: list[dtsen.Row]) -> dict[str, int]:
    if not rows:
        return {}
    now = utcnow()
    values = [{
        "nik": r.nik, "name": r.name, "sex": r.sex, "birth_date": r.birth_date, "phone": r.phone,
        "address": r.address, "kecamatan_code": r.kecamatan_code, "kelurahan": r.kelurahan, "cohort": r.cohort,
        "has_disability": r.has_disability, "decile": r.decile, "decile_snapshot": r.decile_snapshot,
        "declared_income": r.declared_income, "review_flags": list(r.flags), "created_at": now, "updated_at": now,
    } for r in rows]
    # Core executemany, then one SELECT for the ids: bulk INSERT ... RETURNING through the ORM splices its
    # results in quadratic time.
    bulk_insert(session, Participant.__table__, values)
    query = sa.select(Participant.nik, Participant.id).where(among(session, Participant.nik, [r.nik for r in rows]))
    return {nik: pid for nik, pid in session.execute(query)}


def _refresh_deciles(session: Session, rows: list[dtsen.Row], known: dict[str, tuple]) -> set[str]:
    """A newer DTSEN snapshot updates the decile of a known person; nothing else of theirs is overwritten."""
    changed = [r for r in rows if (known[r.nik][1], known[r.nik][2]) != (r.decile, r.decile_snapshot)
               and (known[r.nik][2] is None or r.decile_snapshot >= known[r.nik][2])]
    if changed:
        session.execute(sa.update(Participant), [
            {"id": known[r.nik][0], "decile": r.decile, "decile_snapshot": r.decile_snapshot, "updated_at": utcnow()}
            for r in changed])
    return {r.nik for r in changed}


def _open_enrolments(session: Session, batch_id: int, participant_ids: list[int], actor: Actor) -> None:
    if not participant_ids:
        return
    now = utcnow()
    bulk_insert(session, Enrolment.__table__, [
        {"participant_id": pid, "state": EnrolmentState.submitted, "version": 1, "jht": False,
         "import_batch_id": batch_id, "created_at": now, "updated_at": now} for pid in participant_ids])
    result = session.execute(sa.select(Enrolment.id, Enrolment.participant_id).where(
        Enrolment.import_batch_id == batch_id, among(session, Enrolment.participant_id, participant_ids)))
    events = []
    for enrolment_id, participant_id in result:
        event = dict(
            case_type="enrolment", case_id=enrolment_id, trigger="create", from_state=None, to_state="submitted",
            actor_user_id=actor.user_id, actor=actor.username, role=actor.role.value, party=actor.party_code,
            reason=f"DTSEN import {batch_id}", data={"participant_id": participant_id, "jht": False,
                                                     "import_batch_id": batch_id}, created_at=now)
        audit.seal(event, None)
        events.append(event)
        emit(session, "enrolment.created", case_type="enrolment", case_id=enrolment_id, case_version=1,
             payload={"to": "submitted", "actor": actor.username, "import_batch_id": batch_id}, plain=True)
    bulk_insert(session, CaseEvent.__table__, events)
