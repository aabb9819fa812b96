"""The import engine: a file kept in pieces, read as a stream and written chunk by chunk.

Each chunk is one transaction: its rows, its refused lines, the keys it has seen and the batch's progress
(rows done and lines read) commit together, so a row is never half written and a run that stops anywhere
starts again after the last committed chunk. Memory holds one piece of the file and one chunk of rows,
whatever the file's size; what a chunk needs to know about earlier rows (a duplicate key, a known person)
is looked up in the database."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import bulk_insert, read_only, unit_of_work, utcnow
from berjasa.errors import NotFound, ValidationFailed
from berjasa.events.outbox import emit
from berjasa.imports import storage
from berjasa.imports.bulk import among_many
from berjasa.imports.csvfile import FileRefused, Records, RowError, read_header, text_lines
from berjasa.imports.kinds import Counts, Kind, Parsed, kind_named
from berjasa.imports.models import ImportBatch, ImportKey, ImportPiece, ImportRowError
from berjasa.time import today_wita

CHUNK = 10_000
Progress = Callable[[ImportBatch], None]


def start(*, session: Session, kind: str, requested_by: str, filename: str, file: BinaryIO,
          background: bool = True, resume: bool = False) -> ImportBatch:
    """Check the file (422 at once if it is not text or has a wrong header) and keep it as a queued batch;
    with `background`, a worker picks it up after the commit. With `resume`, an unfinished batch of the
    same kind and file (the same SHA-256) is returned instead, to be run on."""
    try:
        facts = storage.inspect(file, kind_named(kind).layout)
    except FileRefused as exc:
        raise ValidationFailed(exc.reason, errors=exc.errors) from None
    if resume and (unfinished := _unfinished(session, kind, facts.sha256)) is not None:
        return unfinished
    file.seek(0)
    with unit_of_work(session):
        batch = ImportBatch(kind=kind, filename=filename[:200], sha256=facts.sha256, status="queued",
                            total=facts.lines, requested_by=requested_by)
        session.add(batch)
        session.flush()
        storage.store(session, batch.id, file)
        if background:
            emit(session, "import.requested", payload={"batch_id": batch.id, "kind": kind})
    return batch


def _unfinished(session: Session, kind: str, sha256: str) -> ImportBatch | None:
    with read_only(session):
        return session.scalar(sa.select(ImportBatch).where(
            ImportBatch.kind == kind, ImportBatch.sha256 == sha256, ImportBatch.status != "done")
            .order_by(ImportBatch.id.desc()).limit(1))


def get_batch(*, session: Session, batch_id: int) -> ImportBatch:
    with read_only(session):
        batch = session.get(ImportBatch, batch_id, populate_existing=True)
    if batch is None:
        raise NotFound(f"No import {batch_id}")
    return batch


def row_errors(*, session: Session, batch_id: int) -> Iterator[tuple[int, str, str]]:
    """The refused lines of a batch as (line, column, reason), in file order, streamed."""
    get_batch(session=session, batch_id=batch_id)
    query = (sa.select(ImportRowError.line, ImportRowError.column, ImportRowError.reason)
             .where(ImportRowError.batch_id == batch_id).order_by(ImportRowError.line, ImportRowError.id))
    with read_only(session):
        for row in session.execute(query.execution_options(yield_per=5000)):
            yield tuple(row)


def run(*, session: Session, batch_id: int, actor: Actor, progress: Progress | None = None) -> ImportBatch:
    """Import a queued batch chunk by chunk; safe to run again after a crash (it resumes where it stopped)
    and alongside another run of the same batch (the one that falls behind stops)."""
    with unit_of_work(session):
        batch = session.get(ImportBatch, batch_id, with_for_update=True)
        if batch is None:
            raise NotFound(f"No import {batch_id}")
        if batch.status == "done":
            return batch
        batch.status = "running"
        kind, done, lines_read = kind_named(batch.kind), batch.done, batch.lines_read
    header = read_header(text_lines(storage.stored_pieces(session, batch_id)), kind.layout)
    records = Records(text_lines(storage.stored_pieces(session, batch_id)), header, max(lines_read, header.end))
    parse = kind.parser(header, today_wita())
    parsed = (parse(*item) if not isinstance(item, RowError) else Parsed(item.number, None, errors=[item])
              for item in records)
    while chunk := list(itertools.islice(parsed, CHUNK)):
        with unit_of_work(session):
            if not _advance(session, batch_id, done, len(chunk), records.lines_read):
                return get_batch(session=session, batch_id=batch_id)  # another run is ahead of this one
            counts = _write_chunk(session, batch_id, kind, chunk, actor)
            session.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(
                **{name: getattr(ImportBatch, name) + value for name, value in counts.items() if value}))
        done += len(chunk)
        if progress:
            progress(get_batch(session=session, batch_id=batch_id))
    return _finish(session, batch_id)


def _advance(session: Session, batch_id: int, done: int, rows: int, lines_read: int) -> bool:
    """Claim the next rows of the batch: False if another run has taken them (it holds the row lock till then)."""
    result = session.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.done == done)
                             .values(done=done + rows, lines_read=lines_read))
    return result.rowcount == 1


def _finish(session: Session, batch_id: int) -> ImportBatch:
    with unit_of_work(session):
        # `total` was counted from the file's lines at upload; what was read is the truth.
        session.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status != "done")
                        .values(status="done", finished_at=utcnow(), total=ImportBatch.done))
        session.execute(sa.delete(ImportKey).where(ImportKey.batch_id == batch_id))
        session.execute(sa.delete(ImportPiece).where(ImportPiece.batch_id == batch_id))
    return get_batch(session=session, batch_id=batch_id)


def _write_chunk(session: Session, batch_id: int, kind: Kind, chunk: list[Parsed], actor: Actor) -> dict[str, int]:
    checked = _mark_duplicates(session, batch_id, kind, chunk)
    errors = [error for item in checked for error in item.errors]
    if errors:  # (not bulk_insert: its COPY does not quote the column named "column")
        session.execute(ImportRowError.__table__.insert(), [
            {"batch_id": batch_id, "line": e.number, "column": e.column, "reason": e.reason[:300]} for e in errors])
    rows = [item.row for item in checked if not item.errors]
    counts = kind.write(session, batch_id, rows, actor) if rows else Counts()
    return {**counts._asdict(), "rejected": len(chunk) - len(rows)}


def _mark_duplicates(session: Session, batch_id: int, kind: Kind, chunk: list[Parsed]) -> list[Parsed]:
    """A key seen on an earlier line of the file (in this chunk, or in the batch's keys) refuses the line."""
    if kind.key_column is None:
        return chunk
    keys = list({item.key for item in chunk if item.key is not None})
    query = sa.select(ImportKey.key, ImportKey.line).where(ImportKey.batch_id == batch_id,
                                                           among_many(session, ImportKey.key, keys))
    first: dict[str, int] = dict(session.execute(query).tuples().all()) if keys else {}
    new: list[dict[str, Any]] = []
    order = {column: i for i, column in enumerate(kind.layout.columns)}
    checked = []
    for item in chunk:
        if item.key is not None:
            line = first.setdefault(item.key, item.number)
            if line == item.number:
                new.append({"batch_id": batch_id, "key": item.key, "line": line})
            else:
                duplicate = RowError(item.number, kind.key_column, f"duplicate of line {line}")
                errors = sorted([duplicate, *item.errors], key=lambda error: order.get(error.column, -1))
                item = Parsed(item.number, item.key, None, errors)
        checked.append(item)
    bulk_insert(session, ImportKey.__table__, new)
    return checked
