"""Claims: the list (the API's filters), reporting one (with the NIK look-up), the case page and its triggers."""

from __future__ import annotations

from datetime import date

from flask import g, redirect, request, url_for
from flask_babel import gettext as _

from berjasa.claims import service
from berjasa.claims import views as api
from berjasa.claims.responses import claim_response, claim_responses
from berjasa.claims.schemas import DOCUMENTS, ClaimCreateSchema, ClaimListArgs
from berjasa.claims.triggers import TRIGGERS
from berjasa.db import db, read_only
from berjasa.enrolment import coverage
from berjasa.enrolment import views as enrolment_api
from berjasa.errors import BerjasaError
from berjasa.parties.service import list_hospitals
from berjasa.time import today_wita
from berjasa.web import forms
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common
from workflows.claim import required_documents
from workflows.roles import Role

FILTERS = forms.fields_of(ClaimListArgs, leave_out=("page", "per_page", "due_before"))


@blp.get("/claims")
@page(*api.READERS)
def claims():
    args, form = common.filters(ClaimListArgs, FILTERS)
    found, clocks = service.list_claims(session=db.session, actor=g.actor, **args)
    shown = claim_responses(db.session, g.actor, found.items, clocks)
    return render("claims/list.html", claims=shown, form=form, paging=common.pages(found), hospitals=_hospitals())


def _report_fields():
    leave_out = ("hospital",) if g.actor.role is Role.HOSPITAL_STAFF else ()
    return forms.fields_of(ClaimCreateSchema, leave_out=leave_out)


@blp.route("/claims/new", methods=["GET", "POST"])
@page(*api.REPORTERS)
def report_claim():
    form = forms.Form(_report_fields(), request.form)
    if request.method == "POST":
        try:
            body, _replayed = service.create_claim(session=db.session, actor=g.actor,
                                                   data=common.load(ClaimCreateSchema, forms.data_of(form.fields,
                                                                                                     request.form)))
        except BerjasaError as exc:
            return render("claims/new.html", exc.status, form=forms.refused(form, exc), hospitals=_hospitals())
        return redirect(url_for("web.claim", claim_id=body["id"]))
    return render("claims/new.html", form=form, hospitals=_hospitals())


@blp.post("/claims/cover")
@page(*enrolment_api.READERS, Role.HOSPITAL_STAFF)
def cover():
    """The NIK look-up of the report form (htmx): cover on the accident date, or why the NIK is refused."""
    nik = request.form.get("nik", "").strip()
    typed = request.form.get("accident_at", "")[:10]
    try:
        on = date.fromisoformat(typed) if typed else today_wita()
    except ValueError:
        on = today_wita()
    try:
        with read_only(db.session):
            found = coverage.coverage_by_nik(session=db.session, nik=nik, on=on)
    except BerjasaError as exc:
        return render("claims/_cover.html", problem=exc.errors.get("nik", [exc.detail])[0], on=on)
    return render("claims/_cover.html", cover=found, on=on)


@blp.get("/claims/<id:claim_id>")
@page(*api.READERS)
def claim(claim_id: int):
    return _case_page(claim_id)


@blp.post("/claims/<id:claim_id>/<text:trigger>")
@page(*api.ACTORS)
def claim_transition(claim_id: int, trigger: str):
    def transition(**kwargs):
        return service.transition(session=db.session, actor=g.actor, claim_id=claim_id, **kwargs)

    return common.fire(TRIGGERS, trigger, transition, url_for("web.claim", claim_id=claim_id),
                       lambda failed, status: _case_page(claim_id, failed, status))


def _case_page(claim_id: int, failed=None, status: int = 200):
    claim, clocks = service.get_claim_with_clocks(session=db.session, actor=g.actor, claim_id=claim_id)
    shown = claim_response(db.session, g.actor, claim, clocks)
    history = service.history(session=db.session, actor=g.actor, claim_id=claim_id)
    required = required_documents(claim)
    handed = set(shown["documents"])
    checklist = [(d, d in handed, d in required or d in shown["missing_documents"]) for d in DOCUMENTS]
    return render("claims/case.html", status, claim=shown, history=history, checklist=checklist,
                  forms=common.trigger_forms(TRIGGERS, shown["allowed_triggers"], failed), hospitals=_hospitals(),
                  title=_("Claim %(id)s", id=claim_id))


def _hospitals():
    with read_only(db.session):
        return [(h.code, h.name) for h in list_hospitals(session=db.session)]
