"""The supervisor's pages: breaches with their justification, and the audit check (the scorecards and programme
reports are in reports.py, the discrepancy queue in discrepancies.py)."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from berjasa.audit import service as audit
from berjasa.audit.schemas import AuditListArgs
from berjasa.audit.views import verification_response
from berjasa.db import db
from berjasa.errors import BerjasaError
from berjasa.sla import service as sla
from berjasa.sla import views as sla_api
from berjasa.sla.responses import breach_responses
from berjasa.sla.schemas import BreachListArgs, JustificationSchema
from berjasa.web import forms
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
