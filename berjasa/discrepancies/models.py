from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.cases.models import CaseMixin
from berjasa.db import Base, UtcDateTime, str_enum, utcnow
from berjasa.events.models import JSON
from workflows.discrepancy import WORKFLOW, DiscrepancyState

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class Discrepancy(CaseMixin, Base):
    """What a check found about one subject, until it is set right. One per (check, subject) ever: a finding that
    comes back reopens it."""

    __tablename__ = "discrepancies"
    __table_args__ = (
        sa.UniqueConstraint("check_name", "subject_type", "subject_key", name="uq_discrepancies_check_subject"),
        sa.Index("ix_discrepancies_party_state", "party", "state"),
        sa.Index("ix_discrepancies_participant", "participant_id"),
        sa.Index("ix_discrepancies_claim", "claim_id"),
    )
    case_type = "discrepancy"
    workflow = WORKFLOW

    state: Mapped[DiscrepancyState] = mapped_column(str_enum(DiscrepancyState, 16), index=True)
    # (the column is check_name: CHECK is a reserved word in SQL, and bulk writes name columns as they are)
    check: Mapped[str] = mapped_column("check_name", sa.String(48))
    subject_type: Mapped[str] = mapped_column(sa.String(16))  # enrolment, participant, nik, claim, invoice
    subject_key: Mapped[str] = mapped_column(sa.String(64))
    party: Mapped[str] = mapped_column(sa.String(16))  # who must act: disnaker, bpjs, hospital
    hospital_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id"), index=True)
    kecamatan_code: Mapped[str | None] = mapped_column(sa.String(2))
    participant_id: Mapped[int | None] = mapped_column(BIGINT)
    claim_id: Mapped[int | None] = mapped_column(BIGINT)
    # Both sides' values and where they come from: {"city": {"source": ..., "values": {...}}, "bpjs": {...}}
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence_hash: Mapped[str] = mapped_column(sa.String(64))  # over the values only, not the sources
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    evidence_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)  # when the evidence was last read
    resolved_by_data: Mapped[bool] = mapped_column(sa.Boolean, default=False)
