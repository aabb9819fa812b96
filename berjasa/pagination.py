"""Page parameters and the page envelope every list endpoint uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa import fields as f

#: Pages beyond this are refused (a million pages of 500 is far more than any table here holds).
MAX_PAGE = 1_000_000


class PageArgs(ma.Schema):
    page = f.Integer(strict=False, minimum=1, maximum=MAX_PAGE, load_default=1)
    per_page = f.Integer(strict=False, minimum=1, maximum=500, load_default=50)


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int


def paginate(session: Session, query: sa.Select, *, page: int, per_page: int) -> Page:
    """One page of `query` (which must be ordered) and the total count of its rows."""
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, total or 0)


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A `{items, page, per_page, total}` schema for `item`."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item)),
        "page": ma.fields.Integer(),
        "per_page": ma.fields.Integer(),
        "total": ma.fields.Integer(),
    }, name=name)
