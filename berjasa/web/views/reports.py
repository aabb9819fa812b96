"""The reports: the SLA scorecards (a chart with its table beside it, and CSV), and the programme reports (premium
liability, claims, coverage against the target, and the month's printable report), read with the API's own query
schemas and report functions."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask_babel import gettext as _

from berjasa.db import db, read_only
from berjasa.enrolment import coverage
from berjasa.enrolment.schemas import PremiumArgs
from berjasa.reports import targets
from berjasa.reports import views as api
from berjasa.reports.claims import claims_report
from berjasa.reports.coverage import coverage_report
from berjasa.reports.schemas import ClaimReportArgs, CoverageArgs, MonthlyArgs, ScorecardArgs
from berjasa.reports.sla import scorecard
from berjasa.time import today_wita
from berjasa.web import charts, forms
from berjasa.web.i18n import label, percent, rupiah
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common
from workflows.roles import Role

SCORECARD = forms.fields_of(ScorecardArgs)
PREMIUMS = forms.fields_of(PremiumArgs)
CLAIMS = forms.fields_of(ClaimReportArgs)
COVERAGE = forms.fields_of(CoverageArgs)
#: Who reads the scorecards here (the API lets every role read its own part of them).
SUPERVISORS = (Role.SUPERVISOR,)


@blp.get("/scorecards")
@page(*SUPERVISORS)
def scorecards():
    """The SLA scorecard by party, hospital, kecamatan or policy over a range of months: compliance per group as a
    chart, the figures in a table beside it, compliance per period, and the same as CSV."""
    args, form = common.query(ScorecardArgs, SCORECARD, {"group_by": "party", "interval": "month"})
    if args is None:
        return render("reports/scorecards.html", 422, form=form, card=None)
    first, last = api.months_of(args)
    card = scorecard(session=db.session, actor=g.actor, group_by=args["group_by"], first=first, last=last,
                     interval=args["interval"])
    for group in card["groups"]:
        group["shown"] = group_name(group, card["group_by"])
    chart = charts.bar_chart(_("Closed on time, in percent of the closed clocks"), [
        (group["shown"], group["total"]["compliance_pct"] or 0, percent(group["total"]["compliance_pct"]))
        for group in card["groups"]])
    return render("reports/scorecards.html", form=form, card=card, chart=chart,
                  query={k: v for k, v in form.values.items() if v})


@blp.get("/scorecards.csv")
@page(*SUPERVISORS)
def scorecards_csv():
    return api.scorecard_answer(common.load(ScorecardArgs, _given(SCORECARD)), "csv")


def group_name(group: dict[str, Any], group_by: str) -> str:
    """A group as the reader knows it: a party or policy in words, a hospital or kecamatan by its name."""
    key = group["group"]
    if key is None:
        return _("unknown")
    if group_by == "party":
        return label("hospital_party" if key == "hospital" else key)
    if group_by == "policy":
        return label(key)
    return group["name"] or str(key)


@blp.get("/reports")
@page(*api.DISNAKER)
def reports():
    """The month's premium liability per cohort and programme, the claims report of a range of months and the
    coverage on a day, each a chart with its table beside it; links to the month's printable report."""
    month = today_wita().strftime("%Y-%m")
    premium_args, premium_form = common.query(PremiumArgs, PREMIUMS, {"month": month})
    claim_args, claim_form = common.query(ClaimReportArgs, CLAIMS)
    cover_args, cover_form = common.query(CoverageArgs, COVERAGE)
    premiums = claims = cover = None
    if premium_args is not None:
        with read_only(db.session):
            premiums = coverage.premiums(session=db.session, month=premium_args["month"],
                                         rates=coverage.PremiumRates.from_config(current_app.config))
        # the liability only: a line BPJS invoiced but the city owes for no one is the API's and the monthly report's
        premiums = {**premiums, "lines": [line for line in premiums["lines"] if line["participants"]]}
    if claim_args is not None:
        first, last = api.months_of(claim_args)
        claims = claims_report(session=db.session, actor=g.actor, first=first, last=last)
    if cover_args is not None:
        cover = coverage_report(session=db.session, on=cover_args.get("on") or today_wita(),
                                targets=targets.in_force())
    refused = None in (premium_args, claim_args, cover_args)
    return render("reports/reports.html", 422 if refused else 200, premium_form=premium_form, premiums=premiums,
                  premium_chart=premiums and charts.bar_chart(_("Premium liability by cohort and programme"), [
                      (f"{label(line['cohort'])} · {label(line['programme'])}", line["total"], rupiah(line["total"]))
                      for line in premiums["lines"]]),
                  claim_form=claim_form, claims=claims,
                  claim_chart=claims and charts.bar_chart(_("Claims reported, by where they stand now"), [
                      (label(line["state"]), line["claims"], str(line["claims"])) for line in claims["by_state"]]),
                  cover_form=cover_form, cover=cover,
                  cover_chart=cover and charts.bar_chart(_("Coverage (UCJ) by kecamatan, in percent"), [
                      (line["name"], line["ucj_pct"] or 0, percent(line["ucj_pct"]))
                      for line in cover["ucj"]["kecamatan"]]),
                  monthly=(premium_args or {}).get("month") or month)


@blp.get("/reports/monthly.html")
@page(*api.DISNAKER)
def monthly_report():
    """The month's report for the provincial Disnaker as its printable page (the API's own)."""
    return api.monthly_answer(common.load(MonthlyArgs, _given(forms.fields_of(MonthlyArgs))), "html")


@blp.get("/reports/monthly.csv")
@page(*api.DISNAKER)
def monthly_csv():
    return api.monthly_answer(common.load(MonthlyArgs, _given(forms.fields_of(MonthlyArgs))), "csv")


def _given(fields: list[forms.Field]) -> dict[str, str]:
    return {spec.name: request.args[spec.name] for spec in fields if request.args.get(spec.name, "").strip()}
