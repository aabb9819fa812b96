"""The imports: the DTSEN file and BPJS's membership file, uploaded here; each with a live progress bar (htmx polls
the progress fragment) and its error report. The list shows the imports of every kind."""

from __future__ import annotations

import io
import itertools
from typing import NamedTuple

from flask import Response, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from berjasa.db import db
from berjasa.enrolment import imports
from berjasa.enrolment import views as api
from berjasa.errors import BerjasaError, Forbidden, ValidationFailed
from berjasa.imports import engine
from berjasa.imports import views as imports_api
from berjasa.pagination import PageArgs
from berjasa.web import forms
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common
from workflows.roles import Role

UPLOAD = [forms.Field("file", "file", True)]
BPJS_UPLOAD = [forms.Field("bpjs_file", "file", True)]
IMPORTERS = (Role.CASEWORKER, Role.ADMIN)  # as POST /api/v1/enrolments/imports
BPJS_IMPORTERS = imports_api.UPLOADERS["bpjs"]  # as POST /api/v1/imports/bpjs
SHOWN_ERRORS = 200


class ErrorLine(NamedTuple):
    line: int
    column: str
    reason: str


@blp.route("/imports", methods=["GET", "POST"])
@page(*api.READERS)
def imports_page(form: forms.Form | None = None, bpjs_form: forms.Form | None = None, status: int = 200):
    """The imports of every kind, newest first, and the upload forms of the caller's role; a DTSEN upload."""
    if request.method == "POST" and form is None and bpjs_form is None:
        if g.actor.role not in IMPORTERS:
            raise Forbidden(f"Role {g.actor.role.value} may not import")
        try:
            batch = imports.start_import(session=db.session, requested_by=g.actor.username, **_upload("file"))
        except BerjasaError as exc:
            return imports_page(forms.refused(forms.Form(UPLOAD), exc), None, exc.status)
        return redirect(url_for("web.import_batch", batch_id=batch.id))
    args, _filters = common.filters(PageArgs, [])
    found = imports.list_batches(session=db.session, **args)
    return render("imports/list.html", status, batches=found.items, paging=common.pages(found),
                  form=form or forms.Form(UPLOAD), bpjs_form=bpjs_form or forms.Form(BPJS_UPLOAD),
                  importer=g.actor.role in IMPORTERS, bpjs_importer=g.actor.role in BPJS_IMPORTERS)


@blp.post("/imports/bpjs")
@page(*BPJS_IMPORTERS)
def bpjs_import():
    """A BPJS membership file: checked at once, imported in the background; the cross-checks run after it."""
    try:
        batch = engine.start(session=db.session, kind="bpjs", requested_by=g.actor.username, **_upload("bpjs_file"))
    except BerjasaError as exc:
        if "file" in exc.errors:  # the engine names the API's form field
            exc.errors["bpjs_file"] = exc.errors.pop("file")
        return imports_page(None, forms.refused(forms.Form(BPJS_UPLOAD), exc), exc.status)
    if batch.status == "done":  # the same file as the newest imported in full (berjasa.imports.engine.start)
        flash(_("The same file as import %(id)s: its rows are used again and the cross-checks run again.",
                id=batch.id), "ok")
    return redirect(url_for("web.import_batch", batch_id=batch.id))


def _upload(name: str) -> dict:
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        raise ValidationFailed("No file uploaded", errors={name: ["choose a CSV file"]})
    return {"filename": upload.filename, "file": upload.stream}  # werkzeug spools a large upload to disk


@blp.get("/imports/<id:batch_id>")
@page(*api.READERS)
def import_batch(batch_id: int):
    batch = imports.get_batch(session=db.session, batch_id=batch_id)
    errors = [ErrorLine(*e) for e in itertools.islice(imports.row_errors(session=db.session, batch_id=batch_id),
                                                       SHOWN_ERRORS)] if batch.rejected else []
    return render("imports/item.html", batch=batch, errors=errors, shown_errors=SHOWN_ERRORS)


@blp.get("/imports/<id:batch_id>/progress")
@page(*api.READERS)
def import_progress(batch_id: int):
    """The progress fragment htmx swaps in every second; once the import is done it reloads the page (the error
    report appears) and stops polling."""
    batch = imports.get_batch(session=db.session, batch_id=batch_id)
    body, status = render("imports/_progress.html", batch=batch)
    response = Response(body, status)
    if batch.status in ("done", "failed"):
        response.headers["HX-Refresh"] = "true"
    return response


@blp.get("/imports/<id:batch_id>/errors.csv")
@page(*api.READERS)
def import_errors(batch_id: int):
    out = io.StringIO()
    imports.write_errors(imports.row_errors(session=db.session, batch_id=batch_id), out)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=import-{batch_id}-errors.csv"})
