"""One chunk of an import: its duplicates found, its lines written, and the batch's progress claimed.

A chunk is one transaction. It claims its place in the batch last, just before it commits: the claim
succeeds only if the batch's progress is still where this chunk began and this run still holds the batch,
so a chunk whose predecessor failed, or whose run was taken over by another, rolls back whole."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import bulk_insert
from berjasa.imports.bulk import among_many
from berjasa.imports.csvfile import RowError
from berjasa.imports.kinds import Counts, Kind, Parsed
from berjasa.imports.models import ImportBatch, ImportKey, ImportRowError


class Overtaken(Exception):
    """Another run of the batch has taken it over (or a chunk before this one failed): this run stops."""


@dataclass(frozen=True)
class Job:
    """What every chunk of one run of a batch shares."""

    batch_id: int
    kind: Kind
    actor: Actor
    runner: str  # this run's token on the batch row


@dataclass(frozen=True)
class Checked:
    """A chunk with its duplicates marked, ready to be written after `done` rows, up to line `lines_read`."""

    items: list[Parsed]
    new_keys: dict[str, int]  # the keys this chunk reads first, and their lines
    done: int
    lines_read: int


def check(session: Session, job: Job, items: list[Parsed], done: int, lines_read: int,
          recent: dict[str, int]) -> Checked:
    """Refuse a line whose key an earlier line had: in a committed chunk (looked up in import_keys) or in
    the chunk still in flight before this one (`recent`)."""
    if job.kind.key_column is None:
        return Checked(items, {}, done, lines_read)
    keys = list({item.key for item in items if item.key is not None})
    query = sa.select(ImportKey.key, ImportKey.line).where(ImportKey.batch_id == job.batch_id,
                                                           among_many(session, ImportKey.key, keys))
    first: dict[str, int] = dict(session.execute(query).tuples().all()) if keys else {}
    new: dict[str, int] = {}
    checked = []
    for item in items:
        if item.key is not None:
            line = first.get(item.key) or recent.get(item.key) or new.setdefault(item.key, item.number)
            if line != item.number:
                item = _duplicate(job.kind, item, line)
        checked.append(item)
    return Checked(checked, new, done, lines_read)


def _duplicate(kind: Kind, item: Parsed, first: int) -> Parsed:
    order = {column: i for i, column in enumerate(kind.layout.columns)}
    errors = [RowError(item.number, kind.key_column or "", f"duplicate of line {first}"), *item.errors]
    return Parsed(item.number, item.key, None, sorted(errors, key=lambda error: order.get(error.column, -1)))


def write(session: Session, job: Job, chunk: Checked, before_claim: Callable[[], Any] | None = None) -> None:
    """Write a checked chunk in the caller's transaction and claim its place in the batch (Overtaken if that
    place is gone). `before_claim` waits for the chunk before this one to commit."""
    bulk_insert(session, ImportKey.__table__, [  # in key order: the index is filled leaf after leaf
        {"batch_id": job.batch_id, "key": key, "line": line} for key, line in sorted(chunk.new_keys.items())])
    counts = _write_lines(session, job.batch_id, job.kind, chunk.items, job.actor)
    if before_claim is not None:
        before_claim()
    claimed = session.execute(
        sa.update(ImportBatch)
        .where(ImportBatch.id == job.batch_id, ImportBatch.done == chunk.done, ImportBatch.runner == job.runner)
        .values(done=chunk.done + len(chunk.items), lines_read=chunk.lines_read,
                **{name: getattr(ImportBatch, name) + value for name, value in counts.items() if value})
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Overtaken(f"import {job.batch_id} has moved on without this run")


def _write_lines(session: Session, batch_id: int, kind: Kind, items: list[Parsed], actor: Actor) -> dict[str, int]:
    errors = [error for item in items for error in item.errors]
    if errors:  # (not bulk_insert: its COPY does not quote the column named "column")
        session.execute(ImportRowError.__table__.insert(), [
            {"batch_id": batch_id, "line": e.number, "column": e.column, "reason": e.reason[:300]} for e in errors])
    rows = [item.row for item in items if not item.errors]
    counts = kind.write(session, batch_id, rows, actor) if rows else Counts()
    return {**counts._asdict(), "rejected": len(items) - len(rows)}
