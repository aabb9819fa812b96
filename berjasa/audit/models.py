from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, utcnow

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class AuditVerification(Base):
    """One run of the audit check (every case's hash chain against its case row), requested over HTTP."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")  # queued, running, done, failed
    requested_by: Mapped[str] = mapped_column(sa.String(64))
    events: Mapped[int | None] = mapped_column(sa.BigInteger)
    cases: Mapped[int | None] = mapped_column(sa.BigInteger)
    broken_cases: Mapped[int | None] = mapped_column(sa.BigInteger)
    first_break: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    failure: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
