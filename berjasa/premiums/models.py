"""BPJS's monthly premium invoices and the city's payments of them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, utcnow

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class PremiumInvoice(Base):
    """What BPJS bills the city for one month, cohort and programme."""

    __tablename__ = "premium_invoices"
    __table_args__ = (sa.Index("ix_premium_invoices_month", "month", "cohort", "programme"),)

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)  # BPJS's invoice number
    month: Mapped[str] = mapped_column(sa.String(7))  # YYYY-MM
    cohort: Mapped[str] = mapped_column(sa.String(24))
    programme: Mapped[str] = mapped_column(sa.String(8))
    participants: Mapped[int] = mapped_column(sa.Integer)
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # rupiah
    due_on: Mapped[date] = mapped_column(sa.Date)
    recorded_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PremiumPayment(Base):
    """A payment the city made against an invoice (by its reference)."""

    __tablename__ = "premium_payments"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)  # the city's transfer reference
    invoice_reference: Mapped[str] = mapped_column(sa.String(64), index=True)
    paid_on: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    recorded_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
