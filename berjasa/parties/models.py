from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from berjasa.db import Base, UtcDateTime, str_enum, utcnow


class PartyKind(StrEnum):
    DISNAKER = "disnaker"
    BPJS = "bpjs"
    HOSPITAL = "hospital"


class Party(Base):
    """An organisation that acts on cases: the city office, the insurer, or a hospital."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind, 16), index=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    agreements: Mapped[list[PlkkAgreement]] = relationship(
        back_populates="hospital", order_by="PlkkAgreement.valid_from", cascade="all, delete-orphan"
    )

    def plkk_valid_on(self, day: date) -> bool:
        """Whether this hospital had a PLKK agreement with BPJS in force on that day."""
        return any(a.covers(day) for a in self.agreements)


class PlkkAgreement(Base):
    """A period in which a hospital is a PLKK: it treats work-accident patients and bills BPJS."""

    __tablename__ = "plkk_agreements"
    __table_args__ = (
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    reference: Mapped[str | None] = mapped_column(sa.String(100))

    hospital: Mapped[Party] = relationship(back_populates="agreements")

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
