"""BPJS's premium invoices and the city's payments: recorded (over the API or from CSV), listed with what is paid.
Recording one emits `invoice.recorded` / `payment.recorded`, which the premium checks run on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import read_only, upsert, utcnow
from berjasa.events.outbox import emit
from berjasa.premiums.models import PremiumInvoice, PremiumPayment
from berjasa.transaction import unit_of_work

#: BPU premiums for a month are due by the 15th of that month (DOMAIN.md, one source): the default due date.
DUE_DAY = 15
_INVOICE_FIELDS = ("month", "cohort", "programme", "participants", "amount", "due_on")
_PAYMENT_FIELDS = ("invoice_reference", "paid_on", "amount")


def due_on(month: str) -> date:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, DUE_DAY)


def write_invoices(session: Session, rows: Sequence[Mapping[str, Any]], recorded_by: str) -> int:
    """Insert or correct invoices by reference, in the caller's transaction; return how many changed. An invoice
    BPJS sends again with other figures replaces the old ones."""
    now = utcnow()
    values = [{**{k: row[k] for k in _INVOICE_FIELDS}, "due_on": row.get("due_on") or due_on(row["month"]),
               "reference": row["reference"], "recorded_by": recorded_by, "created_at": now, "updated_at": now}
              for row in rows]
    if not values:
        return 0
    insert = upsert(session, PremiumInvoice).values(values)
    changed = sa.or_(*(getattr(PremiumInvoice, k) != getattr(insert.excluded, k) for k in _INVOICE_FIELDS))
    # (RETURNING: psycopg 3 does not always report a rowcount)
    written = session.execute(insert.on_conflict_do_update(
        index_elements=["reference"], set_={**{k: getattr(insert.excluded, k) for k in _INVOICE_FIELDS},
                                            "updated_at": insert.excluded.updated_at}, where=changed)
        .returning(PremiumInvoice.reference)).scalars().all()
    if written:
        emit(session, "invoice.recorded", payload={"references": written[:100]})
    return len(written)


def write_payments(session: Session, rows: Sequence[Mapping[str, Any]], recorded_by: str) -> int:
    """Insert payments by their reference (one already there is left as it is); return how many were new."""
    now = utcnow()
    values = [{**{k: row[k] for k in _PAYMENT_FIELDS}, "reference": row["reference"], "recorded_by": recorded_by,
               "created_at": now} for row in rows]
    if not values:
        return 0
    written = session.execute(upsert(session, PremiumPayment).values(values)
                              .on_conflict_do_nothing(index_elements=["reference"])
                              .returning(PremiumPayment.reference)).scalars().all()
    if written:
        emit(session, "payment.recorded", payload={"references": written[:100]})
    return len(written)


def record_invoice(*, session: Session, data: Mapping[str, Any], recorded_by: str) -> dict[str, Any]:
    with unit_of_work(session):
        write_invoices(session, [data], recorded_by)
    return get_invoice(session=session, reference=data["reference"])


def record_payment(*, session: Session, data: Mapping[str, Any], recorded_by: str) -> PremiumPayment:
    with unit_of_work(session):
        write_payments(session, [data], recorded_by)
    with read_only(session):
        return session.scalar(sa.select(PremiumPayment).where(PremiumPayment.reference == data["reference"]))


#: What the city paid against an invoice: a scalar subquery for a SELECT of invoices.
PAID = (sa.select(sa.func.coalesce(sa.func.sum(PremiumPayment.amount), 0))
        .where(PremiumPayment.invoice_reference == PremiumInvoice.reference).scalar_subquery())


def _shown(invoice: PremiumInvoice, paid: int) -> dict[str, Any]:
    return {**{k: getattr(invoice, k) for k in ("id", "reference", *_INVOICE_FIELDS, "recorded_by")},
            "paid": int(paid)}


def get_invoice(*, session: Session, reference: str | None = None, invoice_id: int | None = None) -> dict[str, Any]:
    from berjasa.errors import NotFound

    query = sa.select(PremiumInvoice, PAID)
    query = query.where(PremiumInvoice.id == invoice_id) if invoice_id else query.where(
        PremiumInvoice.reference == reference)
    with read_only(session):
        row = session.execute(query).first()
    if row is None:
        raise NotFound(f"No invoice {invoice_id or reference}")
    return _shown(*row)


def list_invoices(*, session: Session, month: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(PremiumInvoice, PAID).order_by(PremiumInvoice.month, PremiumInvoice.cohort,
                                                      PremiumInvoice.programme)
    if month:
        query = query.where(PremiumInvoice.month == month)
    with read_only(session):
        return [_shown(*row) for row in session.execute(query)]


def list_payments(*, session: Session, month: str | None = None) -> list[PremiumPayment]:
    query = sa.select(PremiumPayment).order_by(PremiumPayment.paid_on, PremiumPayment.id)
    if month:
        query = query.where(PremiumPayment.invoice_reference.in_(
            sa.select(PremiumInvoice.reference).where(PremiumInvoice.month == month)))
    with read_only(session):
        return list(session.scalars(query))
