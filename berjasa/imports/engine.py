"""The import engine: a file kept in pieces, read as a stream and written chunk by chunk.

Each chunk is one transaction: its rows, its refused lines, the keys it has seen and the batch's progress
(rows done and lines read) commit together, so a row is never half written and a run that stops anywhere
starts again after the last committed chunk. Memory holds one piece of the file and one chunk of rows,
whatever the file's size; what a chunk needs to know about earlier rows (a duplicate key, a known person)
is looked up in the database."""

from __future__ import annotations

import contextlib
import csv
import gc
import itertools
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any, BinaryIO

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import read_only, utcnow
from berjasa.errors import NotFound, ValidationFailed
from berjasa.events.outbox import emit
from berjasa.imports import chunks, storage
from berjasa.imports.csvfile import FileRefused, Records, RowError, read_header, text_lines
from berjasa.imports.kinds import Parsed, kind_named
from berjasa.imports.models import ImportBatch, ImportKey, ImportPiece, ImportRowError
from berjasa.pagination import Page, paginate
from berjasa.time import today_wita
from berjasa.transaction import unit_of_work

CHUNK = 10_000
# A SQLite commit writes out every page its chunk touched (most leaves of an index filled in random order, once
# the table is large): fewer, larger chunks there.
SQLITE_CHUNK = 25_000
# SQLite keeps 2 MB of pages per connection; the import's writer gets this much (KiB) while it runs, so that the
# indexes it inserts into at random (NIKs, event ids) stay in memory instead of being read again for every row.
SQLITE_CACHE_KIB = 65_536
# A chunk is also at most 1% of the file, but at least MIN_CHUNK rows (a few tenths of a second of work): progress
# moves at least every 1% of a large file, and at least every second for a smaller one.
MIN_CHUNK = 2_000
Progress = Callable[[ImportBatch], None]


def start(*, session: Session, kind: str, requested_by: str, filename: str, file: BinaryIO,
          background: bool = True, resume: bool = False) -> ImportBatch:
    """Check the file (422 at once if it is not text or has a wrong header) and keep it as a queued batch;
    with `background`, a worker picks it up after the commit. With `resume`, an unfinished batch of the
    same kind and file (the same SHA-256) is returned instead, to be run on.

    For a kind whose `same_file_reuses_rows`, the same file as the newest batch of that kind imported in full
    is that batch again: it is returned as it is (status `done`; nothing is stored or read), and with
    `background` an `import.repeated` event says it was uploaded again (what follows an import runs again)."""
    declared = kind_named(kind)
    try:
        facts = storage.inspect(file, declared.layout)
    except FileRefused as exc:
        raise ValidationFailed(exc.reason, errors=exc.errors) from None
    if resume and (unfinished := _unfinished(session, kind, facts.sha256)) is not None:
        return unfinished
    if declared.same_file_reuses_rows and (same := _newest_if_same(session, kind, facts.sha256)):
        if background:
            with unit_of_work(session):
                emit(session, "import.repeated", payload={"batch_id": same.id, "kind": kind,
                                                          "requested_by": requested_by, "filename": filename[:200]})
        return same
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


def _newest_if_same(session: Session, kind: str, sha256: str) -> ImportBatch | None:
    """The newest batch of the kind imported in full, if its file had this SHA-256."""
    with read_only(session):
        newest = session.scalar(sa.select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.status == "done")
                                .order_by(ImportBatch.id.desc()).limit(1))
    return newest if newest is not None and newest.sha256 == sha256 else None


def get_batch(*, session: Session, batch_id: int) -> ImportBatch:
    with read_only(session):
        batch = session.get(ImportBatch, batch_id, populate_existing=True)
    if batch is None:
        raise NotFound(f"No import {batch_id}")
    return batch


def list_batches(*, session: Session, page: int, per_page: int) -> Page:
    """Past and running imports, newest first."""
    with read_only(session):
        return paginate(session, sa.select(ImportBatch).order_by(ImportBatch.id.desc()), page=page, per_page=per_page)


def row_errors(*, session: Session, batch_id: int) -> Iterator[tuple[int, str, str]]:
    """The refused lines of a batch as (line, column, reason), in file order, streamed."""
    get_batch(session=session, batch_id=batch_id)
    query = (sa.select(ImportRowError.line, ImportRowError.column, ImportRowError.reason)
             .where(ImportRowError.batch_id == batch_id).order_by(ImportRowError.line, ImportRowError.id))
    # On a connection of its own, in a transaction of its own: a server-side cursor needs one, and a GET request's
    # session reads in autocommit on PostgreSQL (berjasa.transaction, policy READS).
    with session.get_bind().connect() as connection:
        for row in connection.execution_options(yield_per=5000).execute(query):
            yield tuple(row)


def write_errors(errors: Iterable[tuple[int, str, str]], out: IO[str]) -> None:
    """The refused lines as CSV: line, column, reason."""
    writer = csv.writer(out)
    writer.writerow(["line", "column", "reason"])
    writer.writerows(errors)


def chunk_size(total: int, largest: int = CHUNK) -> int:
    """Rows per chunk (one transaction each): at most 1% of the file's `total` lines, MIN_CHUNK to `largest`."""
    return min(largest, max(MIN_CHUNK, total // 100))


def run(*, session: Session, batch_id: int, actor: Actor, progress: Progress | None = None) -> ImportBatch:
    """Import a queued batch chunk by chunk; safe to run again after a crash (it resumes where it stopped).
    A second run of the same batch takes it over: the first stops at its next chunk, and nothing is
    written twice."""
    runner = uuid.uuid4().hex
    with unit_of_work(session):
        batch = session.get(ImportBatch, batch_id, with_for_update=True)
        if batch is None:
            raise NotFound(f"No import {batch_id}")
        if batch.status == "done":
            return batch
        batch.status, batch.runner = "running", runner
        job = chunks.Job(batch_id, kind_named(batch.kind), actor, runner)
        done, lines_read, total = batch.done, batch.lines_read, batch.total
    read = _read(session, job, lines_read, total)
    try:
        with _rare_collections():
            if session.get_bind().dialect.name == "postgresql":
                _run_overlapped(session, job, read, done, progress)
            else:
                _run_in_turn(session, job, read, done, progress)
    except chunks.Overtaken:
        return get_batch(session=session, batch_id=batch_id)
    return _finish(session, batch_id)


_collections = {"runs": 0, "usual": gc.get_threshold()}
_collections_lock = threading.Lock()


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """Let Python's cycle collector run rarely while imports run (a process-wide setting, restored by the last
    one to finish). A chunk is a few hundred thousand live objects, and the default thresholds walk them all
    again every few thousand allocations: that was a third of an import's CPU. Chunks make no reference
    cycles: their memory is freed by reference counting when they are written."""
    with _collections_lock:
        if _collections["runs"] == 0:
            _collections["usual"] = gc.get_threshold()
            gc.set_threshold(20_000, 1_000, 1_000)
        _collections["runs"] += 1
    try:
        yield
    finally:
        with _collections_lock:
            _collections["runs"] -= 1
            if _collections["runs"] == 0:
                gc.set_threshold(*_collections["usual"])


def _read(session: Session, job: chunks.Job, lines_read: int, total: int) -> Iterator[tuple[list[Parsed], int]]:
    """The batch's lines after `lines_read`, parsed, a chunk at a time, each with the lines read after it."""
    size = chunk_size(total, CHUNK if session.get_bind().dialect.name == "postgresql" else SQLITE_CHUNK)
    header = read_header(text_lines(storage.stored_pieces(session, job.batch_id)), job.kind.layout)
    records = Records(text_lines(storage.stored_pieces(session, job.batch_id)), header,
                      max(lines_read, header.end))
    parse = job.kind.parser(header, today_wita())
    parsed = (parse(*item) if not isinstance(item, RowError) else Parsed(item.number, None, errors=[item])
              for item in records)
    while items := list(itertools.islice(parsed, size)):
        yield items, records.lines_read


def _run_in_turn(session: Session, job: chunks.Job, read: Iterator[tuple[list[Parsed], int]], done: int,
                 progress: Progress | None) -> None:
    with _writer(session) as writer:
        for items, lines_read in read:
            with unit_of_work(writer):
                chunks.write(writer, job, chunks.check(writer, job, items, done, lines_read, {}))
            done += len(items)
            if progress:
                progress(get_batch(session=session, batch_id=job.batch_id))


@contextlib.contextmanager
def _writer(session: Session) -> Iterator[Session]:
    """The session that writes the chunks: on SQLite one connection for the whole run, with a larger cache."""
    if session.get_bind().dialect.name != "sqlite":
        yield session
        return
    with session.get_bind().connect() as connection:
        usual = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        connection.commit()
        try:
            with Session(bind=connection, expire_on_commit=False) as writer:
                yield writer
        finally:
            connection.rollback()
            connection.exec_driver_sql(f"PRAGMA cache_size={usual}")
            connection.commit()


def _run_overlapped(session: Session, job: chunks.Job, read: Iterator[tuple[list[Parsed], int]], done: int,
                    progress: Progress | None) -> None:
    """PostgreSQL: two chunks in flight, each in a transaction of its own, so that one chunk's Python work
    runs while the database works through the other's rows. They still commit in file order: a chunk
    claims its place only after the one before it committed (and rolls back if that one failed)."""
    bind = session.get_bind()
    # the writer threads run in the app's context, as the caller does (a kind's writer reads its configuration)
    app = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    inflight: deque[Future] = deque()
    recent: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"import-{job.batch_id}") as pool:
        try:
            for items, lines_read in read:
                if len(inflight) == 2:
                    _collect(session, job, inflight.popleft(), progress)
                with read_only(session):  # sees every chunk but the one still in flight, whose keys are `recent`
                    chunk = chunks.check(session, job, items, done, lines_read, recent)
                previous = inflight[-1] if inflight else None
                inflight.append(pool.submit(_write_apart, app, bind, job, chunk, previous))
                done, recent = done + len(items), chunk.new_keys
            while inflight:
                _collect(session, job, inflight.popleft(), progress)
        finally:
            for future in inflight:
                future.cancel()


def _write_apart(app: Flask | None, bind: Any, job: chunks.Job, chunk: chunks.Checked,
                 previous: Future | None) -> None:
    with (app.app_context() if app else contextlib.nullcontext()), Session(bind=bind, expire_on_commit=False
                                                                           ) as session, unit_of_work(session):
        chunks.write(session, job, chunk, previous.result if previous else None)


def _collect(session: Session, job: chunks.Job, future: Future, progress: Progress | None) -> None:
    future.result()
    if progress:
        progress(get_batch(session=session, batch_id=job.batch_id))


def _finish(session: Session, batch_id: int) -> ImportBatch:
    with unit_of_work(session):
        # `total` was counted from the file's lines at upload; what was read is the truth.
        finished = session.execute(
            sa.update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status != "done")
            .values(status="done", finished_at=utcnow(), total=ImportBatch.done).returning(ImportBatch.kind)).first()
        session.execute(sa.delete(ImportKey).where(ImportKey.batch_id == batch_id))
        session.execute(sa.delete(ImportPiece).where(ImportPiece.batch_id == batch_id))
        if finished is not None:  # what follows an import (the cross-checks) hears of it once
            emit(session, "import.finished", payload={"batch_id": batch_id, "kind": finished.kind})
    return get_batch(session=session, batch_id=batch_id)
