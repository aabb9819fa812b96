from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from berjasa.cases.models import CaseMixin
from berjasa.db import Base, UtcDateTime, str_enum, utcnow
from berjasa.imports.models import ImportBatch, ImportRowError  # noqa: F401 (the batches enrolments come from)
from berjasa.registry.models import Participant
from workflows.enrolment import WORKFLOW, EnrolmentState

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class Enrolment(CaseMixin, Base):
    """One registration of a participant with BPJS Ketenagakerjaan, paid from the city budget."""

    __tablename__ = "enrolments"
    case_type = "enrolment"
    workflow = WORKFLOW

    state: Mapped[EnrolmentState] = mapped_column(str_enum(EnrolmentState, 16), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    jht: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    import_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)

    participant: Mapped[Participant] = relationship(lazy="joined", innerjoin=True)

    @property
    def kecamatan_code(self) -> str:
        return self.participant.kecamatan_code

    @property
    def programmes(self) -> list[str]:
        return ["jkk", "jkm", "jht"] if self.jht else ["jkk", "jkm"]


class CoveragePeriod(Base):
    """Days on which a participant was covered, and for which programmes. `end_date` is inclusive."""

    __tablename__ = "coverage_periods"
    __table_args__ = (sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period_order"),)

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id"), index=True)
    programmes: Mapped[list[str]] = mapped_column(sa.JSON)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    end_reason: Mapped[str | None] = mapped_column(sa.String(200))
    funding: Mapped[str] = mapped_column(sa.String(16), default="apbd")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
