"""Participants: search, registration, one person with their enrolments and claims, opening an enrolment."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from berjasa.claims import service as claims
from berjasa.claims.responses import claim_responses
from berjasa.db import db, read_only
from berjasa.enrolment import service as enrolments
from berjasa.enrolment.responses import enrolment_response
from berjasa.enrolment.schemas import EnrolmentCreateSchema
from berjasa.errors import BerjasaError
from berjasa.registry import service
from berjasa.registry import views as api
from berjasa.registry.responses import participant_response
from berjasa.registry.schemas import ParticipantCreateSchema, ParticipantSearchArgs
from berjasa.web import forms
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common
from workflows.roles import Role

FILTERS = forms.fields_of(ParticipantSearchArgs, leave_out=("page", "per_page"))
REGISTRARS = (Role.CASEWORKER, Role.ADMIN)  # as POST /api/v1/participants and /enrolments


@blp.get("/participants")
@page(*api.READERS)
def participants():
    args, form = common.filters(ParticipantSearchArgs, FILTERS)
    found = service.search_participants(session=db.session, **args)
    shown = [participant_response(p, g.actor) for p in found.items]
    return render("participants/list.html", participants=shown, form=form, paging=common.pages(found))


@blp.route("/participants/new", methods=["GET", "POST"])
@page(*REGISTRARS)
def register_participant():
    form = forms.Form(forms.fields_of(ParticipantCreateSchema), request.form)
    if request.method == "POST":
        try:
            data = common.load(ParticipantCreateSchema, forms.data_of(form.fields, request.form))
            person = service.create_participant(session=db.session, data=data)
        except BerjasaError as exc:
            return render("participants/new.html", exc.status, form=forms.refused(form, exc))
        return redirect(url_for("web.participant", participant_id=person.id))
    return render("participants/new.html", form=form)


@blp.get("/participants/<id:participant_id>")
@page(*api.READERS)
def participant(participant_id: int, enrol_form=None, status: int = 200):
    with read_only(db.session):
        person = participant_response(service.get_participant(session=db.session, participant_id=participant_id),
                                      g.actor)
    found, clocks = enrolments.list_enrolments(session=db.session, participant_id=participant_id, page=1,
                                               per_page=50)
    cases = [enrolment_response(db.session, e, g.actor, clocks.get(e.id, [])) for e in found.items]
    claim_page, claim_clocks = claims.list_participant_claims(session=db.session, actor=g.actor,
                                                              participant_id=participant_id, page=1, per_page=50)
    return render("participants/item.html", status, person=person, enrolments=cases,
                  claims=claim_responses(db.session, g.actor, claim_page.items, claim_clocks),
                  enrol_form=enrol_form or forms.Form(forms.fields_of(EnrolmentCreateSchema, ("participant_id",))))


@blp.post("/participants/<id:participant_id>/enrolments")
@page(*REGISTRARS)
def open_enrolment(participant_id: int):
    form = forms.Form(forms.fields_of(EnrolmentCreateSchema, ("participant_id",)), request.form)
    try:
        data = common.load(EnrolmentCreateSchema, {"participant_id": participant_id,
                                                   **forms.data_of(form.fields, request.form)})
        enrolment, _clocks = enrolments.create_enrolment(session=db.session, actor=g.actor, **data)
    except BerjasaError as exc:
        return participant(participant_id, forms.refused(form, exc), exc.status)
    return redirect(url_for("web.enrolment", enrolment_id=enrolment.id))
