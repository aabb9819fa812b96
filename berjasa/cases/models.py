from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import UtcDateTime, utcnow
from workflows.engine import Workflow


class CaseMixin:
    """Columns every case has. A domain model adds `state` (its StrEnum) and its own fields, and sets
    `case_type` and `workflow`."""

    case_type: ClassVar[str]
    workflow: ClassVar[Workflow]

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The hash of the case's newest audit event, whose seq is the case's version (every change appends
    # one event). NULL when not known here (older rows, bulk imports): the event is read instead.
    last_event_hash: Mapped[str | None] = mapped_column(sa.String(64))
