"""Read models kept by tallies. A projection counts things of cases (clocks, claims, an enrolment's stays, coverage
periods) into aggregate tables. For each thing it keeps a tally row: its signature, the few facts of it that the
aggregates count. Refreshing a case reads its things' signatures as they are now, compares them with the tally, and
adds to the aggregates the difference of their contributions, then stores the new signatures. So handling an event
twice, late or out of order adds nothing more, a thing that went away takes its counts with it, and the whole read
model can be computed again from the case tables (`rebuild`).

Two refreshes of one case never overlap: on PostgreSQL each takes a transaction-scoped advisory lock per case (in
order, so they cannot deadlock), and a rebuild locks the tables against refreshes while it runs; on SQLite writers
are serialised anyway."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import among, bulk_insert, upsert_into

#: An aggregate row's change: its table, its key (the primary key's values, in column order), amounts per column.
Contribution = tuple[sa.Table, tuple, Mapping[str, int]]
#: What a projection reads of a batch of cases: {thing id: (case id, signature)}.
Current = dict[int, tuple[int, tuple]]


@dataclass(frozen=True)
class Projection:
    """A read model: its tally, its aggregates, the case types whose events refresh it, how to read its things'
    signatures (`current(session, case_type, case_ids)`, in the order of the tally's signature columns) and what a
    signature contributes."""

    name: str
    tally: sa.Table
    aggregates: tuple[sa.Table, ...]
    case_models: Mapping[str, type]
    current: Callable[[Session, str, list[int]], Current]
    contributions: Callable[[tuple], Iterable[Contribution]]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.tally.columns if c.name not in ("id", "case_type", "case_id"))


def refresh(session: Session, projection: Projection, case_type: str, case_ids: Sequence[int]) -> int:
    """Bring the projection up to date for these cases (inside the caller's unit of work); return how many things
    changed."""
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    _lock_cases(session, projection, case_type, ids)
    old = _tallied(session, projection, case_type, ids)
    new = projection.current(session, case_type, ids)
    changed = {thing for thing in old.keys() | new.keys() if old.get(thing) != new.get(thing)}
    if not changed:
        return 0
    add(session, _differences(projection, [old[t][1] for t in changed if t in old],
                              [new[t][1] for t in changed if t in new]))
    _store(session, projection, case_type, {t: new[t] for t in changed if t in new},
           [t for t in changed if t not in new])
    return len(changed)


def rebuild(session: Session, projection: Projection, batch: int = 2000) -> int:
    """Compute the projection again from the case tables, inside the caller's unit of work; return the things
    counted. Refreshes wait until it commits."""
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(t.name for t in (projection.tally, *projection.aggregates))
        session.execute(sa.text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    for table in (projection.tally, *projection.aggregates):
        session.execute(table.delete())
    totals: dict[tuple[sa.Table, tuple], Counter] = defaultdict(Counter)
    counted = 0
    for case_type, model in projection.case_models.items():
        for ids in _case_ids(session, model, batch):
            found = projection.current(session, case_type, ids)
            bulk_insert(session, projection.tally, [_tally_row(projection, case_type, thing, case_id, signature)
                                                    for thing, (case_id, signature) in found.items()])
            _fold(totals, projection, [signature for _case_id, signature in found.values()], 1)
            counted += len(found)
    for table, rows in _rows_by_table(totals):
        bulk_insert(session, table, rows)
    return counted


def add(session: Session, totals: Mapping[tuple[sa.Table, tuple], Counter]) -> None:
    """Add amounts to aggregate rows (made when missing), one statement per table, rows in key order."""
    for table, rows in _rows_by_table(totals):
        session.execute(_adding(session.get_bind().dialect.name, table), rows)


# ---------------------------------------------------------------- the pieces
def _lock_cases(session: Session, projection: Projection, case_type: str, ids: list[int]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    # conflicts with a rebuild's EXCLUSIVE lock (a refresh waits for it), not with other refreshes
    session.execute(sa.text(f"LOCK TABLE {projection.tally.name} IN ROW EXCLUSIVE MODE"))
    space = (zlib.crc32(f"{projection.name}:{case_type}".encode()) & 0xFFFF) << 47
    keys = sorted({(space | (case_id & (2**47 - 1))) - 2**63 for case_id in ids})
    session.execute(_ADVISORY, {"keys": keys})


_ADVISORY = sa.text("SELECT count(pg_advisory_xact_lock(k)) FROM "
                    "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered")


def _tallied(session: Session, projection: Projection, case_type: str, ids: list[int]) -> Current:
    tally = projection.tally
    rows = session.execute(sa.select(tally.c.id, tally.c.case_id, *(tally.c[f] for f in projection.fields))
                           .where(tally.c.case_type == case_type, among(session, tally.c.case_id, ids)))
    return {row[0]: (row[1], tuple(row[2:])) for row in rows}


def _differences(projection: Projection, before: Iterable[tuple], after: Iterable[tuple]
                 ) -> dict[tuple[sa.Table, tuple], Counter]:
    totals: dict[tuple[sa.Table, tuple], Counter] = defaultdict(Counter)
    _fold(totals, projection, before, -1)
    _fold(totals, projection, after, 1)
    return totals


def _fold(totals: dict[tuple[sa.Table, tuple], Counter], projection: Projection, signatures: Iterable[tuple],
          sign: int) -> None:
    for signature in signatures:
        for table, key, amounts in projection.contributions(signature):
            row = totals[(table, key)]
            for column, amount in amounts.items():
                row[column] += sign * amount


def _rows_by_table(totals: Mapping[tuple[sa.Table, tuple], Counter]) -> Iterator[tuple[sa.Table, list[dict]]]:
    tables: dict[sa.Table, list[tuple[tuple, Counter]]] = defaultdict(list)
    for (table, key), amounts in totals.items():
        if any(amounts.values()):
            tables[table].append((key, amounts))
    for table in sorted(tables, key=lambda t: t.name):
        keys = [c.name for c in table.primary_key.columns]
        values = [c.name for c in table.columns if not c.primary_key]
        yield table, [{**dict(zip(keys, key, strict=True)), **{name: amounts.get(name, 0) for name in values}}
                      for key, amounts in sorted(tables[table], key=lambda item: item[0])]


def _adding(dialect: str, table: sa.Table) -> sa.Insert:
    insert = upsert_into(dialect, table)
    keys = [c.name for c in table.primary_key.columns]
    return insert.on_conflict_do_update(index_elements=keys, set_={
        c.name: table.c[c.name] + insert.excluded[c.name] for c in table.columns if not c.primary_key})


def _store(session: Session, projection: Projection, case_type: str, things: Current, gone: list[int]) -> None:
    tally = projection.tally
    if gone:
        session.execute(tally.delete().where(among(session, tally.c.id, gone)))
    if things:
        insert = upsert_into(session.get_bind().dialect.name, tally)
        statement = insert.on_conflict_do_update(index_elements=["id"], set_={
            name: insert.excluded[name] for name in ("case_type", "case_id", *projection.fields)})
        session.execute(statement, [_tally_row(projection, case_type, thing, case_id, signature)
                                    for thing, (case_id, signature) in sorted(things.items())])


def _tally_row(projection: Projection, case_type: str, thing: int, case_id: int, signature: tuple) -> dict[str, Any]:
    return {"id": thing, "case_type": case_type, "case_id": case_id,
            **dict(zip(projection.fields, signature, strict=True))}


def _case_ids(session: Session, model: type, size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(session.scalars(sa.select(model.id).where(model.id > last).order_by(model.id).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]
