"""Enrolments: the list (the API's filters), the case page and its triggers."""

from __future__ import annotations

from flask import current_app, g, url_for
from flask_babel import gettext as _

from berjasa.db import db
from berjasa.enrolment import service
from berjasa.enrolment import views as api
from berjasa.enrolment.responses import enrolment_response
from berjasa.enrolment.schemas import EnrolmentListArgs
from berjasa.enrolment.triggers import TRIGGERS
from berjasa.web import forms
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common

FILTERS = forms.fields_of(EnrolmentListArgs, leave_out=("page", "per_page", "due_before"))


@blp.get("/enrolments")
@page(*api.READERS)
def enrolments():
    args, form = common.filters(EnrolmentListArgs, FILTERS)
    found, clocks = service.list_enrolments(session=db.session, **args)
    shown = [enrolment_response(db.session, e, g.actor, clocks.get(e.id, [])) for e in found.items]
    return render("enrolments/list.html", enrolments=shown, form=form, paging=common.pages(found))


@blp.get("/enrolments/<id:enrolment_id>")
@page(*api.READERS)
def enrolment(enrolment_id: int):
    return _case_page(enrolment_id)


@blp.post("/enrolments/<id:enrolment_id>/<text:trigger>")
@page(*api.ACTORS)
def enrolment_transition(enrolment_id: int, trigger: str):
    def transition(**kwargs):
        return service.transition(session=db.session, actor=g.actor, enrolment_id=enrolment_id,
                                  config=current_app.config, **kwargs)

    return common.fire(TRIGGERS, trigger, transition, url_for("web.enrolment", enrolment_id=enrolment_id),
                       lambda failed, status: _case_page(enrolment_id, failed, status))


def _case_page(enrolment_id: int, failed=None, status: int = 200):
    found, clocks = service.get_enrolment_with_clocks(session=db.session, enrolment_id=enrolment_id)
    shown = enrolment_response(db.session, found, g.actor, clocks)
    history = service.history(session=db.session, enrolment_id=enrolment_id)
    return render("enrolments/case.html", status, enrolment=shown, history=history,
                  forms=common.trigger_forms(TRIGGERS, shown["allowed_triggers"], failed),
                  title=_("Enrolment %(id)s", id=enrolment_id))
