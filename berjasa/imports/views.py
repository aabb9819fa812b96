"""Uploads of every kind of import but DTSEN's (which has /enrolments/imports): BPJS membership files, BPJS's premium
invoices, the city's payments. Each is checked at once and imported in the background, with its progress and its
refused rows as CSV."""

from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.db import db
from berjasa.enrolment.schemas import ImportBatchPageSchema, ImportBatchSchema
from berjasa.errors import Forbidden, NotFound
from berjasa.imports import engine
from berjasa.imports.web import UPLOAD_BODY, errors_response, upload
from berjasa.pagination import PageArgs
from workflows.roles import Role

blp = v1_blueprint("imports", __name__, "Imports of BPJS membership files, invoices and payments")
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.ADMIN)
#: Who may upload each kind.
UPLOADERS = {
    "bpjs": (Role.BPJS_OFFICER, Role.CASEWORKER, Role.ADMIN),
    "bpjs_invoices": (Role.BPJS_OFFICER, Role.CASEWORKER, Role.ADMIN),
    "city_payments": (Role.CASEWORKER, Role.ADMIN),
}


@blp.route("/imports")
class Imports(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ImportBatchPageSchema)
    def get(self, args):
        """Past and running imports of every kind, newest first (paginated)."""
        return engine.list_batches(session=db.session, **args)


@blp.route("/imports/<text:kind>")
class Upload(MethodView):
    @roles_required(*READERS)
    @blp.response(202, ImportBatchSchema)
    @blp.alt_response(200, schema=ImportBatchSchema, description="A BPJS membership file identical (by SHA-256) to "
                      "the newest imported in full: that import, done; its rows are used again and the cross-checks "
                      "run again in full", success=True)
    @blp.doc(requestBody=UPLOAD_BODY)
    def post(self, kind):
        """Upload a file of a kind (bpjs, bpjs_invoices, city_payments); checked at once (text, header) and
        imported in the background; the cross-checks run in full when it is done. The same BPJS file as the
        newest imported in full is not imported again: 200 with that import, and the checks run again."""
        if kind not in UPLOADERS:
            raise NotFound(f"No kind of import {kind!r} here (one of {', '.join(UPLOADERS)})")
        actor = current_actor()
        if actor.role not in UPLOADERS[kind]:
            raise Forbidden(f"Role {actor.role.value} may not upload {kind}; allowed: "
                            + ", ".join(sorted(r.value for r in UPLOADERS[kind])))
        filename, file = upload()
        with file:
            batch = engine.start(session=db.session, kind=kind, requested_by=actor.username, filename=filename,
                                 file=file)
        return batch, 200 if batch.status == "done" else 202, {"Location": f"/api/v1/imports/batches/{batch.id}"}


@blp.route("/imports/batches/<id:batch_id>")
class ImportItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, ImportBatchSchema)
    def get(self, batch_id):
        """Progress of an import of any kind: total, done, created, updated, unchanged, rejected."""
        return engine.get_batch(session=db.session, batch_id=batch_id)


@blp.route("/imports/batches/<id:batch_id>/errors.csv")
class ImportErrors(MethodView):
    @roles_required(*READERS)
    @blp.response(200, content_type="text/csv", description="line,column,reason")
    def get(self, batch_id):
        """The refused rows of an import: line, column and reason, as CSV."""
        return errors_response(engine.row_errors(session=db.session, batch_id=batch_id), batch_id)
