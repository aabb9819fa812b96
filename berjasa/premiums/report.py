"""A month's invoices and payments per cohort and programme: what the premium report (/reports/premiums) joins with
the city's liability, and what the monthly report shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.premiums.models import PremiumInvoice
from berjasa.premiums.service import PAID


@dataclass
class Billed:
    """BPJS's invoices for one cohort and programme of a month, and the city's payments against them."""

    invoices: int = 0
    participants: int = 0
    amount: int = 0
    paid: int = 0
    outstanding: int = 0  # per invoice what is left to pay (an overpaid invoice leaves nothing, and no credit)

    def add(self, other: Billed) -> None:
        self.invoices += other.invoices
        self.participants += other.participants
        self.amount += other.amount
        self.paid += other.paid
        self.outstanding += other.outstanding


def billed(session: Session, month: str) -> dict[tuple[str, str], Billed]:
    """The month's invoices (by their month, YYYY-MM) per (cohort, programme), with the payments against them
    (whenever they were paid)."""
    lines: dict[tuple[str, str], Billed] = {}
    query = (sa.select(PremiumInvoice.cohort, PremiumInvoice.programme, PremiumInvoice.participants,
                       PremiumInvoice.amount, PAID.label("paid"))
             .where(PremiumInvoice.month == month).order_by(PremiumInvoice.id))
    for cohort, programme, participants, amount, paid in session.execute(query):
        paid = int(paid)
        lines.setdefault((cohort, programme), Billed()).add(
            Billed(1, participants, amount, paid, max(amount - paid, 0)))
    return lines


def total(lines: dict[tuple[str, str], Billed]) -> Billed:
    whole = Billed()
    for line in lines.values():
        whole.add(line)
    return whole


def _figures(liability: int, bill: Billed) -> dict[str, int]:
    return {"invoices": bill.invoices, "invoiced_participants": bill.participants, "invoiced": bill.amount,
            "paid": bill.paid, "outstanding": bill.outstanding, "difference": bill.amount - liability}


def join_invoices(session: Session, month: str, report: dict[str, Any]) -> dict[str, Any]:
    """The premium report with BPJS's invoices and the city's payments beside the liability, per line and in all;
    a cohort and programme invoiced but owed for no one is a line of its own (no participants, no total)."""
    bills = billed(session, month)
    lines = {(line["cohort"], line["programme"]): line for line in report["lines"]}
    for key in bills.keys() - lines.keys():
        lines[key] = {"cohort": key[0], "programme": key[1], "participants": 0, "total": 0}
    joined = [{**line, **_figures(line["total"], bills.get(key, Billed()))} for key, line in sorted(lines.items())]
    return {**report, "lines": joined, **_figures(report["total"], total(bills))}
