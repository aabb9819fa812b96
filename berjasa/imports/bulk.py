"""Helpers for a kind's chunk writer: look-ups by many values (ids before the rows: berjasa.db.allocate_ids)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import among


def among_many(session: Session, column: Any, values: list[Any]) -> sa.ColumnElement[bool]:
    """`column IN values` for a chunk's worth of values, as one parameter on both databases (on SQLite a
    JSON array, so that ten thousand values are not ten thousand placeholders to compile)."""
    if session.get_bind().dialect.name == "postgresql":
        return among(session, column, values)
    return column.in_(sa.select(sa.column("value")).select_from(sa.func.json_each(json.dumps(values))))
