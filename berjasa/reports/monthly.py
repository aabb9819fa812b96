"""The monthly report to the provincial Disnaker (BPJS reports its decisions by the 15th of the next month; the city
needs the same picture): claims, BPJS's decisions and payments, benefits per line, claims per kecamatan, SLA
compliance per policy, enrolments and coverage, the premiums BPJS invoiced for the month and what the city paid of
them, and the cross-checks' discrepancies, for one month, as tables. JSON, CSV (one line per figure: section, row,
column, value) and a printable HTML page.

The sections are a list of functions (SECTIONS): a new part of the report is one more function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.db import read_only, utcnow
from berjasa.discrepancies import report as discrepancy_report
from berjasa.premiums.report import billed, total
from berjasa.reports.claims import claims_report
from berjasa.reports.coverage import coverage_report
from berjasa.reports.models import EnrolmentStays
from berjasa.reports.periods import add_months, month_end, start_of
from berjasa.reports.sla import scorecard
from berjasa.reports.targets import CoverageTargets
from berjasa.time import wita_iso


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str | None = None


@dataclass
class Month:
    """What the sections are made from: the month and the reports they draw on (each asked for once)."""

    session: Session
    actor: Actor
    first: date
    targets: CoverageTargets
    now: datetime
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def claims(self) -> dict[str, Any]:
        return self._once("claims", lambda: claims_report(session=self.session, actor=self.actor, first=self.first,
                                                          last=self.first, now=self.now))

    @property
    def sla(self) -> dict[str, Any]:
        return self._once("sla", lambda: scorecard(session=self.session, actor=self.actor, group_by="policy",
                                                   first=self.first, last=self.first, interval="month", now=self.now))

    @property
    def coverage(self) -> dict[str, Any]:
        return self._once("coverage", lambda: coverage_report(session=self.session, on=month_end(self.first),
                                                              targets=self.targets, now=self.now))

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]


def claims_section(month: Month) -> Section:
    report = month.claims
    took = report["durations"]
    rows = [["reported", report["reported"], None, *_days(took["accident_to_report"])]]
    rows += [[f"reported: {t['accident_type']}", t["claims"], None, None, None] for t in report["by_accident_type"]]
    rows += [["BPJS decisions: work accident (verified)", report["decisions"]["verified"], None, None, None],
             ["BPJS decisions: rejected", report["decisions"]["rejected"], None, None, None],
             ["BPJS decisions: all", sum(report["decisions"].values()), None, *_days(took["report_to_decision"])],
             ["paid", report["paid"]["claims"], report["paid"]["amount"], *_days(took["documents_to_payment"])]]
    return Section("claims", "Claims (JKK)", ["", "claims", "rupiah", "median days", "p90 days"], rows,
                   "Days: accident to report for reports, report to BPJS's first decision for decisions, complete "
                   "documents to payment for payments.")


def benefits_section(month: Month) -> Section:
    report = month.claims
    rows = [[b["line"], b["claims"], b["amount"]] for b in report["benefits"]]
    rows.append(["total", report["paid"]["claims"], report["paid"]["amount"]])
    return Section("benefits", "Benefits paid per line", ["line", "claims", "rupiah"], rows)


def kecamatan_section(month: Month) -> Section:
    rows = [[k["name"], k["claims"], k["decided"], k["paid"], k["paid_amount"],
             k["durations"]["report_to_decision"]["median_days"]] for k in month.claims["by_kecamatan"]]
    return Section("kecamatan", "Claims per kecamatan",
                   ["kecamatan", "reported", "decided", "paid", "rupiah", "median days to decision"], rows)


def sla_section(month: Month) -> Section:
    rows = []
    for group in month.sla["groups"]:
        figures = group["total"]
        rows.append([group["group"], figures["started"], figures["met_on_time"], figures["met_late"],
                     figures["compliance_pct"], figures["breached"], figures["justified"], group["overdue_now"]])
    return Section("sla", "SLA compliance per deadline",
                   ["policy", "started", "met on time", "met late", "compliance %", "breached", "justified",
                    "overdue now"], rows,
                   "Closed = met + cancelled after breaching; compliance = met on time / closed.")


def coverage_section(month: Month) -> Section:
    ucj = month.coverage["ucj"]
    entries = _entries(month.session, month.first)
    target = ucj["target"] or {}
    rows = [["enrolments submitted", entries.get("submitted", 0)],
            ["enrolments activated at BPJS", entries.get("active", 0)],
            ["memberships lapsed", entries.get("lapsed", 0)],
            ["enrolments terminated", entries.get("terminated", 0)],
            ["participants covered at the end of the month", ucj["active"]],
            ["UCJ at the end of the month, %", ucj["city"]["ucj_pct"]],
            [f"UCJ target {target['year']}, %" if target else "UCJ target, %", target.get("pct")]]
    return Section("coverage", "Enrolments and coverage (Universal Coverage Jamsostek)", ["", "value"], rows)


def premiums_section(month: Month) -> Section:
    lines = billed(month.session, f"{month.first:%Y-%m}")
    rows = [[f"{cohort} / {programme}", b.invoices, b.participants, b.amount, b.paid, b.outstanding]
            for (cohort, programme), b in sorted(lines.items())]
    whole = total(lines)
    rows.append(["total", whole.invoices, whole.participants, whole.amount, whole.paid, whole.outstanding])
    return Section("premiums", "Premiums invoiced by BPJS and paid by the city",
                   ["cohort / programme", "invoices", "participants", "invoiced", "paid", "outstanding"], rows,
                   "The month's invoices (by the month they bill) and the payments against them, whenever made; "
                   "outstanding: per invoice, its amount less what was paid of it. The city's own count beside "
                   "them: /api/v1/reports/premiums.")


def discrepancies_section(month: Month) -> Section:
    found = discrepancy_report.figures(month.session, month.actor, start_of(month.first),
                                       start_of(add_months(month.first, 1)))
    rows = [[f"{check} ({party})", *(counts[name] for name in discrepancy_report.FIGURES)]
            for (check, party), counts in found.items()]
    rows.append(["total", *(sum(counts[name] for counts in found.values())
                            for name in discrepancy_report.FIGURES)])
    return Section("discrepancies", "Cross-check discrepancies per check and party",
                   ["check (party)", "opened", "reopened", "resolved", "dismissed", "open at month end"], rows,
                   "Party: who must act (a hospital by its code). Resolved: by a person or by data (a later check "
                   "run no longer finds it). Open at month end: open or acknowledged.")


#: The report's sections in order; each is made from the month's figures.
SECTIONS: list[Callable[[Month], Section]] = [claims_section, benefits_section, kecamatan_section, sla_section,
                                              coverage_section, premiums_section, discrepancies_section]


def monthly_report(*, session: Session, actor: Actor, month: date, targets: CoverageTargets,
                   now: datetime | None = None) -> dict[str, Any]:
    """The month's report (month: its first day), as sections of tables."""
    source = Month(session, actor, month, targets, now or utcnow())
    with read_only(session):
        sections = [make(source) for make in SECTIONS]
    return {"month": f"{month:%Y-%m}", "from": month.isoformat(), "to": month_end(month).isoformat(),
            "generated_at": wita_iso(source.now),
            "sections": [{"key": s.key, "title": s.title, "columns": s.columns, "rows": s.rows, "note": s.note}
                         for s in sections]}


CSV_HEADER = ["month", "section", "row", "column", "value"]


def csv_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One line per figure: month, section, the row's label, the column, the value."""
    return [[report["month"], section["key"], row[0], column, value]
            for section in report["sections"] for row in section["rows"]
            for column, value in zip(section["columns"][1:], row[1:], strict=True)]


_TEMPLATES = Environment(loader=PackageLoader("berjasa.reports", "templates"), autoescape=select_autoescape())


def html(report: dict[str, Any]) -> str:
    """The printable page (A4; print it to PDF from the browser)."""
    return _TEMPLATES.get_template("monthly.html").render(report=report, money=_money)


def _money(value: Any) -> str:
    return "" if value is None else f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


def _days(figures: dict[str, Any]) -> list[Any]:
    return [figures["median_days"], figures["p90_days"]]


def _entries(session: Session, first: date) -> dict[str, int]:
    stays = EnrolmentStays.__table__
    return {state: int(n) for state, n in session.execute(
        sa.select(stays.c.state, sa.func.sum(stays.c.n))
        .where(stays.c.entered_day.between(first, month_end(first))).group_by(stays.c.state))}

