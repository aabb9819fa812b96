"""The supervisor's pages: breaches with their justification, the audit check, the reports (the premium liability
today; the scorecards and programme reports of issue 13 slot in here), and the frame of the discrepancy queue."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from berjasa.audit import service as audit
from berjasa.audit.schemas import AuditListArgs
from berjasa.audit.views import verification_response
from berjasa.db import db, read_only
from berjasa.enrolment import coverage
from berjasa.enrolment.schemas import PremiumArgs
from berjasa.errors import BerjasaError
from berjasa.sla import service as sla
from berjasa.sla import views as sla_api
from berjasa.sla.responses import breach_responses
from berjasa.sla.schemas import BreachListArgs, JustificationSchema
from berjasa.time import today_wita
from berjasa.web import charts, forms
from berjasa.web.i18n import label, rupiah
from berjasa.web.nav import NAV
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common
from workflows.roles import Role

FILTERS = forms.fields_of(BreachListArgs, leave_out=("page", "per_page", "hospital"))
JUSTIFY = forms.fields_of(JustificationSchema)


@blp.get("/breaches")
@page(*sla_api.READERS)
def breaches(failed: tuple[int, forms.Form] | None = None, status: int = 200):
    args, form = common.filters(BreachListArgs, FILTERS)
    found = sla.list_breaches(session=db.session, actor=g.actor, **args)
    return render("supervision/breaches.html", status, breaches=breach_responses(db.session, found.items),
                  form=form, paging=common.pages(found), failed=failed, justify=forms.Form(JUSTIFY),
                  may_justify=g.actor.role is Role.SUPERVISOR)


@blp.post("/breaches/<id:breach_id>/justification")
@page(Role.SUPERVISOR)
def justify(breach_id: int):
    form = forms.Form(JUSTIFY, request.form)
    try:
        data = common.load(JustificationSchema, forms.data_of(JUSTIFY, request.form))
        sla.justify(session=db.session, actor=g.actor, breach_id=breach_id, **data)
    except BerjasaError as exc:
        return breaches((breach_id, forms.refused(form, exc)), exc.status)
    flash(_("Breach %(id)s justified.", id=breach_id), "ok")
    return redirect(request.referrer if _same_page(request.referrer) else url_for("web.breaches"))


def _same_page(referrer: str | None) -> bool:
    return bool(referrer) and referrer.startswith(request.host_url.rstrip("/") + url_for("web.breaches"))


@blp.route("/audit", methods=["GET", "POST"])
@page(Role.SUPERVISOR)
def audit_check():
    if request.method == "POST":
        run = audit.request_verification(session=db.session, actor=g.actor)
        flash(_("Audit check %(id)s started.", id=run.id), "ok")
        return redirect(url_for("web.audit_check"))
    args, _form = common.filters(AuditListArgs, [])
    found = audit.list_verifications(session=db.session, **args)
    runs = [verification_response(run) for run in found.items]
    running = any(run["status"] != "done" for run in runs)
    return render("supervision/audit.html", runs=runs, paging=common.pages(found), running=running)


@blp.get("/reports")
@page(Role.SUPERVISOR, Role.CASEWORKER, Role.ADMIN)
def reports():
    """The month's premium liability per cohort and programme, as a chart with its table beside it."""
    fields = forms.fields_of(PremiumArgs)
    month = request.args.get("month") or today_wita().strftime("%Y-%m")
    form = forms.Form(fields, {"month": month})
    try:
        args = common.load(PremiumArgs, {"month": month})
        with read_only(db.session):
            report = coverage.premiums(session=db.session, month=args["month"],
                                       rates=coverage.PremiumRates.from_config(current_app.config))
    except BerjasaError as exc:
        return render("supervision/reports.html", exc.status, form=forms.refused(form, exc), report=None,
                      chart=None, upcoming=_upcoming())
    # the liability only: a line BPJS invoiced but the city owes for no one is the API's and the monthly report's
    report = {**report, "lines": [line for line in report["lines"] if line["participants"]]}
    chart = charts.bar_chart(_("Premium liability by cohort and programme"), [
        (f"{label(line['cohort'])} · {label(line['programme'])}", line["total"], rupiah(line["total"]))
        for line in report["lines"]])
    return render("supervision/reports.html", form=form, report=report, chart=chart, upcoming=_upcoming())


def _upcoming():
    return [entry for entry in NAV if not entry.ready and g.actor.role in entry.roles]


@blp.get("/scorecards")
@page(Role.SUPERVISOR)
def scorecards():
    return render("coming.html", what=_("Scorecards"), issue=13)


@blp.get("/discrepancies")
@page(Role.CASEWORKER, Role.SUPERVISOR)
def discrepancies():
    return render("coming.html", what=_("Discrepancies"), issue=17)
