from flask import jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.db import db
from berjasa.reports import export, monthly, targets
from berjasa.reports.claims import claims_report
from berjasa.reports.coverage import coverage_report
from berjasa.reports.periods import add_months
from berjasa.reports.schemas import (
    ClaimReportArgs,
    ClaimReportSchema,
    CoverageArgs,
    CoverageReportSchema,
    MonthlyArgs,
    MonthlyReportSchema,
    ScorecardArgs,
    ScorecardSchema,
)
from berjasa.reports.sla import COUNTED, scorecard
from berjasa.time import today_wita
from workflows.roles import Role

blp = v1_blueprint("reports", __name__, "SLA scorecards and programme reports")
EVERYONE = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.HOSPITAL_STAFF, Role.ADMIN)
DISNAKER = (Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN)


def answers(description, json_schema=None, *media):
    """The 200 response of an operation that answers in more than one media type (documented as it is sent)."""
    content = {export.JSON_MIME: {"schema": json_schema}} if json_schema else {}
    content.update({mime: {"schema": {"type": "string"}} for mime in media})
    if export.CSV_MIME in content:
        content[export.CSV_MIME] = export.CSV_CONTENT[export.CSV_MIME]
    return {"responses": {"200": {"description": description, "content": content}}}

SCORECARD_COLUMNS = ["group_by", "group", "name", "period", "from", "to", *COUNTED, "closed", "compliance_pct",
                     "used_median_pct", "used_p90_pct", "overdue_now"]


def months_of(args):
    """The first and last month a period report covers (default: the 12 months up to this one)."""
    last = args.get("to") or today_wita().replace(day=1)
    return args.get("from_") or add_months(last, -11), last


def scorecard_answer(args, suffix=None):
    """The scorecard as JSON, or as CSV for the suffix `csv` or `Accept: text/csv` (the API's and the pages')."""
    first, last = months_of(args)
    body = scorecard(session=db.session, actor=current_actor(), group_by=args["group_by"], first=first, last=last,
                     interval=args["interval"])
    if export.wanted(suffix, [export.JSON_MIME, export.CSV_MIME]) != export.CSV_MIME:
        return jsonify(body)
    rows = [[body["group_by"], group["group"], group["name"], line.get("period", "total"),
             line.get("from", body["from"]), line.get("to", body["to"]),
             *(line[name] for name in SCORECARD_COLUMNS[6:-1]), group["overdue_now"]]
            for group in body["groups"] for line in (*group["periods"], group["total"])]
    return export.csv_response(SCORECARD_COLUMNS, rows, f"sla-{body['group_by']}-{body['from']}-{body['to']}.csv")


@blp.route("/reports/sla")
class Scorecard(MethodView):
    @roles_required(*EVERYONE)
    @blp.arguments(ScorecardArgs, location="query")
    @blp.response(200, ScorecardSchema)
    @blp.doc(**answers("the scorecard (JSON, or CSV with Accept: text/csv)", ScorecardSchema, export.CSV_MIME))
    def get(self, args):
        """SLA scorecard per party, hospital, kecamatan or policy and per month (quarter, year), with a 12-month
        trend per group; CSV with `Accept: text/csv`. BPJS officers and hospital staff see their own clocks."""
        return scorecard_answer(args)


@blp.route("/reports/sla.csv")
class ScorecardCsv(MethodView):
    @roles_required(*EVERYONE)
    @blp.arguments(ScorecardArgs, location="query")
    @blp.response(200, content_type=export.CSV_MIME)
    @blp.doc(**answers("one line per group and period, and per group a `total` line", None, export.CSV_MIME))
    def get(self, args):
        """The SLA scorecard as CSV (for spreadsheets)."""
        return scorecard_answer(args, "csv")


@blp.route("/reports/claims")
class Claims(MethodView):
    @roles_required(*EVERYONE)
    @blp.arguments(ClaimReportArgs, location="query")
    @blp.response(200, ClaimReportSchema)
    def get(self, args):
        """Claims reported in the months by state, accident type, kecamatan and hospital; decisions and payments
        made in them, benefits per line; median and p90 days. Hospital staff see their hospital's claims."""
        first, last = months_of(args)
        return jsonify(claims_report(session=db.session, actor=current_actor(), first=first, last=last))


@blp.route("/reports/coverage")
class Coverage(MethodView):
    @roles_required(*DISNAKER, Role.BPJS_OFFICER)
    @blp.arguments(CoverageArgs, location="query")
    @blp.response(200, CoverageReportSchema)
    def get(self, args):
        """Universal Coverage Jamsostek on a day (default today) per kecamatan and city-wide against the target;
        enrolments by state and cohort; the funnel from submitted to active with how long each stage has waited."""
        return jsonify(coverage_report(session=db.session, on=args.get("on") or today_wita(),
                                       targets=targets.in_force()))


def monthly_answer(args, suffix=None):
    """The monthly report as JSON, CSV or a printable page (by suffix or Accept)."""
    report = monthly.monthly_report(session=db.session, actor=current_actor(), month=args["month"],
                                    targets=targets.in_force())
    kind = export.wanted(suffix, [export.JSON_MIME, export.CSV_MIME, export.HTML_MIME])
    if kind == export.CSV_MIME:
        return export.csv_response(monthly.CSV_HEADER, monthly.csv_rows(report), f"berjasa-{report['month']}.csv")
    if kind == export.HTML_MIME:
        return export.html_response(monthly.html(report))
    return jsonify(report)


@blp.route("/reports/monthly")
class Monthly(MethodView):
    @roles_required(*DISNAKER)
    @blp.arguments(MonthlyArgs, location="query")
    @blp.response(200, MonthlyReportSchema)
    @blp.doc(**answers("the report (JSON; CSV or a page by Accept)", MonthlyReportSchema, export.CSV_MIME,
                       export.HTML_MIME))
    def get(self, args):
        """The month's report for the provincial Disnaker: claims, decisions, payments, benefits, claims per
        kecamatan, SLA compliance, enrolments and coverage. `Accept: text/csv` or `text/html` for the others."""
        return monthly_answer(args)


@blp.route("/reports/monthly.csv")
class MonthlyCsv(MethodView):
    @roles_required(*DISNAKER)
    @blp.arguments(MonthlyArgs, location="query")
    @blp.response(200, content_type=export.CSV_MIME)
    @blp.doc(**answers("month,section,row,column,value", None, export.CSV_MIME))
    def get(self, args):
        """The monthly report as CSV: one line per figure."""
        return monthly_answer(args, "csv")


@blp.route("/reports/monthly.html")
class MonthlyHtml(MethodView):
    @roles_required(*DISNAKER)
    @blp.arguments(MonthlyArgs, location="query")
    @blp.response(200, content_type=export.HTML_MIME)
    @blp.doc(**answers("a printable page (A4)", None, export.HTML_MIME))
    def get(self, args):
        """The monthly report as a printable page (print it to PDF from the browser)."""
        return monthly_answer(args, "html")

