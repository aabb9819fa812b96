"""Helpers for a kind's chunk writer: ids before the rows are written, and look-ups by many values."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import among


def allocate_ids(session: Session, table: sa.Table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, taken before writing them, so that nothing is read back after
    a COPY (reading back by another column is a query whose cost grows with the table)."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
        return list(session.scalars(query, {"table": table.name, "count": count}))
    # SQLite: the writer holds the database lock (BEGIN IMMEDIATE), so nobody else takes these ids meanwhile.
    top = session.scalar(sa.select(sa.func.max(table.c.id))) or 0
    return list(range(top + 1, top + 1 + count))


def among_many(session: Session, column: Any, values: list[Any]) -> sa.ColumnElement[bool]:
    """`column IN values` for a chunk's worth of values, as one parameter on both databases (on SQLite a
    JSON array, so that ten thousand values are not ten thousand placeholders to compile)."""
    if session.get_bind().dialect.name == "postgresql":
        return among(session, column, values)
    return column.in_(sa.select(sa.column("value")).select_from(sa.func.json_each(json.dumps(values))))
