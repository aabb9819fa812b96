from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column

from berjasa.cases.models import CaseMixin
from berjasa.db import Base, UtcDateTime, str_enum, utcnow
from berjasa.registry.models import Participant
from workflows.claim import WORKFLOW, ClaimState

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")
#: The flags a claim stores at report time (a column each, a partial index each).
FLAGS = ("late_stage1_report", "participant_unknown", "possible_duplicate")


class AccidentType(StrEnum):
    work_site = "work_site"
    commute = "commute"
    occupational_disease = "occupational_disease"
    violence = "violence"


class Claim(CaseMixin, Base):
    """A JKK case: the accident, the care, the documents, the benefits and their payment."""

    __tablename__ = "claims"
    __table_args__ = (
        sa.Index("ix_claims_nik_accident", "nik", "accident_at"),
        sa.Index("ix_claims_state_created", "state", "created_at"),
        # lists are newest first: these serve the order, the reported-date filter and the flag filters
        sa.Index("ix_claims_created", "created_at", "id"),
        *(sa.Index(f"ix_claims_{flag}", "created_at", "id", postgresql_where=sa.text(flag),
                   sqlite_where=sa.text(f"{flag} = 1"))
          for flag in FLAGS),
    )
    case_type = "claim"
    workflow = WORKFLOW

    state: Mapped[ClaimState] = mapped_column(str_enum(ClaimState, 24), index=True)
    nik: Mapped[str] = mapped_column(sa.String(16))
    participant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    accident_at: Mapped[datetime] = mapped_column(UtcDateTime)
    place: Mapped[str] = mapped_column(sa.String(300))
    accident_type: Mapped[AccidentType] = mapped_column(str_enum(AccidentType, 24))
    chronology: Mapped[str] = mapped_column(sa.Text)
    injury: Mapped[str] = mapped_column(sa.String(500))
    reporter_name: Mapped[str] = mapped_column(sa.String(200))
    reporter_phone: Mapped[str] = mapped_column(sa.String(20))
    reported_by: Mapped[str] = mapped_column(sa.String(64))
    reporting_party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id"), index=True)
    hospital_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id"), index=True)
    late_stage1_report: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    participant_unknown: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    possible_duplicate: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    verified: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    referred: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    care: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The stage-II documents handed in so far (the union of every submit_documents), and those BPJS asked for
    # (request_documents) and has not had yet. NULL on rows older than these columns: none.
    documents: Mapped[list[str] | None] = mapped_column(sa.JSON, default=list)
    missing_documents: Mapped[list[str] | None] = mapped_column(sa.JSON, default=list)
    approved_total: Mapped[int | None] = mapped_column(sa.BigInteger)
    paid_total: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The registered person's name, read with the row (responses show it; an unknown NIK has none). A flush
    # changes no name: it stays loaded, instead of being read again after every write.
    participant_name: Mapped[str | None] = column_property(
        sa.select(Participant.name).where(Participant.id == participant_id).correlate_except(Participant)
        .scalar_subquery(), expire_on_flush=False)
    # Where the person lives (SLA clocks and reports are kept per kecamatan).
    kecamatan_code: Mapped[str | None] = column_property(
        sa.select(Participant.kecamatan_code).where(Participant.id == participant_id).correlate_except(Participant)
        .scalar_subquery(), expire_on_flush=False)


class ClaimHospital(Base):
    """Hospitals that may see a claim: the one that reported it and every one that treated it."""

    __tablename__ = "claim_hospitals"
    # a hospital's claims straight from the index (the scope of every hospital-staff read)
    __table_args__ = (sa.Index("ix_claim_hospitals_hospital_claim", "hospital_id", "claim_id"),)

    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(sa.String(16))  # reported, treating, referred_from
    since: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IdempotencyKey(Base):
    """The first response to a create sent with an Idempotency-Key, returned again to a retry."""

    __tablename__ = "idempotency_keys"

    user: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column(sa.SmallInteger)
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
