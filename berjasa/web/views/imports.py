"""The DTSEN import: upload, a live progress bar (htmx polls the progress fragment), and the error report."""

from __future__ import annotations

import io
import itertools
from typing import NamedTuple

from flask import Response, g, redirect, request, url_for

from berjasa.db import db
from berjasa.enrolment import imports
from berjasa.enrolment import views as api
from berjasa.errors import BerjasaError, Forbidden, ValidationFailed
from berjasa.pagination import PageArgs
from berjasa.web import forms
from berjasa.web.pages import blp, page, render
from berjasa.web.views import common
from workflows.roles import Role

UPLOAD = [forms.Field("file", "file", True)]
IMPORTERS = (Role.CASEWORKER, Role.ADMIN)  # as POST /api/v1/enrolments/imports
SHOWN_ERRORS = 200


class ErrorLine(NamedTuple):
    line: int
    column: str
    reason: str


@blp.route("/imports", methods=["GET", "POST"])
@page(*api.READERS)
def imports_page():
    form = forms.Form(UPLOAD)
    status = 200
    if request.method == "POST":
        if g.actor.role not in IMPORTERS:
            raise Forbidden(f"Role {g.actor.role.value} may not import")
        try:
            batch = imports.start_import(session=db.session, requested_by=g.actor.username, **_upload())
        except BerjasaError as exc:
            form, status = forms.refused(form, exc), exc.status
        else:
            return redirect(url_for("web.import_batch", batch_id=batch.id))
    args, _filters = common.filters(PageArgs, [])
    found = imports.list_batches(session=db.session, **args)
    return render("imports/list.html", status, batches=found.items, paging=common.pages(found), form=form,
                  importer=g.actor.role in IMPORTERS)


def _upload() -> dict:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("No file uploaded", errors={"file": ["choose a CSV file"]})
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
