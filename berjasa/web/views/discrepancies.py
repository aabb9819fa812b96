"""The discrepancy queue: the list with the API's filters (and as CSV), one discrepancy with both sides' evidence,
its clock and history, and the actions the caller may take on it (acknowledge, resolve, dismiss with a reason).
Hospital staff see only what is attributed to their hospital, as in the API."""

from __future__ import annotations

from flask import Response, current_app, g, stream_with_context, url_for
from flask_babel import gettext as _

from berjasa.db import db
from berjasa.discrepancies import service
from berjasa.discrepancies.responses import discrepancy_response
from berjasa.discrepancies.schemas import DiscrepancyListArgs
from berjasa.discrepancies.triggers import TRIGGERS
from berjasa.web import forms
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common
from workflows.discrepancy import WORKERS

FILTERS = forms.fields_of(DiscrepancyListArgs, leave_out=("page", "per_page", "hospital", "kecamatan"))
#: What only the checks send (the run that no longer finds a discrepancy): not asked of people.
SYSTEM_ONLY = ("run",)
#: The order of the evidence's sides.
SIDES = ("city", "bpjs", "hospital")
#: Where a subject's own page is.
SUBJECT_PAGES = {"enrolment": ("web.enrolment", "enrolment_id"), "participant": ("web.participant", "participant_id"),
                 "claim": ("web.claim", "claim_id")}


@blp.get("/discrepancies")
@page(*WORKERS)
def discrepancies():
    args, form = common.filters(DiscrepancyListArgs, FILTERS)
    found, clocks = service.list_discrepancies(session=db.session, actor=g.actor, **args)
    shown = [discrepancy_response(db.session, d, g.actor, clocks.get(d.id, [])) for d in found.items]
    query = {k: v for k, v in args.items() if k not in ("page", "per_page") and v}
    return render("discrepancies/list.html", discrepancies=shown, form=form, paging=common.pages(found),
                  csv_query={k: getattr(v, "value", v) for k, v in query.items()})


@blp.get("/discrepancies.csv")
@page(*WORKERS)
def discrepancies_csv():
    args, form = common.filters(DiscrepancyListArgs, FILTERS)  # the same filters; its paging is ignored
    if form.errors:
        return render("discrepancies/list.html", 422, discrepancies=[], form=form, paging=None, csv_query={})
    args = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    lines = service.export_csv(session=db.session, actor=g.actor, **args)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=discrepancies.csv"})


@blp.get("/discrepancies/<id:discrepancy_id>")
@page(*WORKERS)
def discrepancy(discrepancy_id: int):
    return _case_page(discrepancy_id)


@blp.post("/discrepancies/<id:discrepancy_id>/<text:trigger>")
@page(*WORKERS)
def discrepancy_transition(discrepancy_id: int, trigger: str):
    def transition(**kwargs):
        return service.transition(session=db.session, actor=g.actor, discrepancy_id=discrepancy_id,
                                  config=current_app.config, **kwargs)

    return common.fire(TRIGGERS, trigger, transition, url_for("web.discrepancy", discrepancy_id=discrepancy_id),
                       lambda failed, status: _case_page(discrepancy_id, failed, status), SYSTEM_ONLY)


def _case_page(discrepancy_id: int, failed=None, status: int = 200):
    case, clocks = service.get_discrepancy(session=db.session, actor=g.actor, discrepancy_id=discrepancy_id)
    shown = discrepancy_response(db.session, case, g.actor, clocks)
    history = service.history(session=db.session, actor=g.actor, discrepancy_id=discrepancy_id)
    target = SUBJECT_PAGES.get(shown["subject"]["type"])
    subject_url = url_for(target[0], **{target[1]: int(case.subject_key)}) if target else None
    return render("discrepancies/case.html", status, case=shown, history=history, subject_url=subject_url,
                  evidence=evidence_rows(shown["evidence"]),
                  forms=common.trigger_forms(TRIGGERS, shown["allowed_triggers"], failed, SYSTEM_ONLY),
                  title=_("Discrepancy %(id)s", id=discrepancy_id))


def evidence_rows(evidence: dict) -> tuple[list[str], list[tuple[str, list]]]:
    """The sides (the city first, then BPJS, then any other) and, per value any side has (in name order: PostgreSQL
    keeps JSON keys in an order of its own), what each side says: a table."""
    sides = sorted(evidence, key=lambda side: (SIDES.index(side) if side in SIDES else len(SIDES), side))
    names = sorted({name for side in sides for name in (evidence[side].get("values") or {})})
    return sides, [(name, [(evidence[side].get("values") or {}).get(name) for side in sides]) for name in names]
