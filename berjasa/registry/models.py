from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, str_enum, utcnow
from berjasa.registry.enums import Cohort, Sex


class Kecamatan(Base):
    """A district of Makassar (Kemendagri code 73.71.xx)."""

    __tablename__ = "kecamatan"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # Seven of the fifteen codes rest on one weak source (DOMAIN.md); keep that visible.
    code_confirmed: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    @property
    def full_code(self) -> str:
        return f"73.71.{self.code}"


class Participant(Base):
    """An insured person (pekerja rentan). The NIK is unique and never changes."""

    __tablename__ = "participants"
    __table_args__ = (
        sa.CheckConstraint("decile IS NULL OR decile BETWEEN 1 AND 10", name="decile_range"),
        sa.CheckConstraint("declared_income IS NULL OR declared_income >= 0", name="income_positive"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    nik: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, 1))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    kecamatan_code: Mapped[str] = mapped_column(sa.ForeignKey("kecamatan.code"), index=True)
    kelurahan: Mapped[str | None] = mapped_column(sa.String(100))
    cohort: Mapped[Cohort] = mapped_column(str_enum(Cohort, 24), index=True)
    has_disability: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # DTSEN is refreshed quarterly: a decile means nothing without the snapshot it came from.
    decile: Mapped[int | None] = mapped_column(sa.SmallInteger)
    decile_snapshot: Mapped[date | None] = mapped_column(sa.Date)
    declared_income: Mapped[int | None] = mapped_column(sa.BigInteger)
    kpj_number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    review_flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # set when the personal-data retention rule replaced the person's identifying fields (berjasa/privacy/)
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
