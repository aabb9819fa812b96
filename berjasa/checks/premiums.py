"""The checks of BPJS's premium invoices: against the city's own liability, and against the city's payments."""

from __future__ import annotations

import sqlalchemy as sa

from berjasa.checks.findings import Context, Finding, side
from berjasa.enrolment.coverage import PremiumRates, premiums
from berjasa.premiums.models import PremiumInvoice as I
from berjasa.premiums.models import PremiumPayment as Pay
from berjasa.time import WITA


def _on_invoice(invoice: object, evidence: dict) -> Finding:
    return Finding("invoice", str(invoice.id), evidence)


def premium_invoice_mismatch(ctx: Context) -> list[Finding]:
    """Each invoice line (month, cohort, programme) against the city's liability for it (/reports/premiums)."""
    invoices = ctx.session.execute(sa.select(I).order_by(I.month, I.id)).scalars().all()
    rates = PremiumRates.from_config(ctx.config)
    liability: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}
    found = []
    for invoice in invoices:
        if invoice.month not in liability:
            report = premiums(session=ctx.session, month=invoice.month, rates=rates)
            liability[invoice.month] = {(line["cohort"], line["programme"]): (line["participants"], line["total"])
                                        for line in report["lines"]}
        participants, total = liability[invoice.month].get((invoice.cohort, invoice.programme), (0, 0))
        if (participants, total) != (invoice.participants, invoice.amount):
            found.append(_on_invoice(invoice, {
                "bpjs": side(f"invoice {invoice.reference}", month=invoice.month, cohort=invoice.cohort,
                             programme=invoice.programme, participants=invoice.participants, amount=invoice.amount),
                "city": side(f"/reports/premiums?month={invoice.month}", participants=participants, amount=total)}))
    return found


def premium_unpaid(ctx: Context) -> list[Finding]:
    """Invoices past their due date that the city's payments against them do not cover."""
    today = ctx.now.astimezone(WITA).date()
    paid = (sa.select(sa.func.coalesce(sa.func.sum(Pay.amount), 0)).where(Pay.invoice_reference == I.reference)
            .scalar_subquery())
    query = sa.select(I, paid.label("paid")).where(I.due_on < today, paid < I.amount).order_by(I.id)
    return [_on_invoice(invoice, {
        "bpjs": side(f"invoice {invoice.reference}", amount=invoice.amount, due_on=invoice.due_on.isoformat()),
        "city": side(f"payments against {invoice.reference}", paid=int(total))})
        for invoice, total in ctx.session.execute(query)]
