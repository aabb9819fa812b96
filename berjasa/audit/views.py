from typing import Any

from flask import jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.audit import service
from berjasa.audit.models import AuditVerification
from berjasa.audit.schemas import AuditListArgs, AuditVerificationPageSchema, AuditVerificationSchema
from berjasa.auth.guard import current_actor, roles_required
from berjasa.db import db
from berjasa.time import wita_iso
from workflows.roles import Role

blp = v1_blueprint("audit", __name__, "The audit check of every case's hash chain, run in the background")


def verification_response(run: AuditVerification) -> dict[str, Any]:
    return {
        "id": run.id, "status": run.status, "requested_by": run.requested_by,
        "created_at": wita_iso(run.created_at), "started_at": wita_iso(run.started_at),
        "finished_at": wita_iso(run.finished_at),
        "intact": None if run.status != "done" else run.first_break is None,
        "events": run.events, "cases": run.cases, "broken_cases": run.broken_cases, "first_break": run.first_break,
    }


@blp.route("/audit/verifications")
class Verifications(MethodView):
    @roles_required(Role.SUPERVISOR)
    @blp.response(202, AuditVerificationSchema)
    def post(self):
        """Run the audit check (every case's chain against its case row) in the background; 202 with its id."""
        run = service.request_verification(session=db.session, actor=current_actor())
        response = jsonify(verification_response(run))
        response.status_code = 202
        response.headers["Location"] = f"/api/v1/audit/verifications/{run.id}"
        return response

    @roles_required(Role.SUPERVISOR)
    @blp.arguments(AuditListArgs, location="query")
    @blp.response(200, AuditVerificationPageSchema)
    def get(self, args):
        """Past runs, newest first."""
        page = service.list_verifications(session=db.session, **args)
        return jsonify(items=[verification_response(r) for r in page.items], page=page.page, per_page=page.per_page,
                       total=page.total)


@blp.route("/audit/verifications/<id:verification_id>")
class Verification(MethodView):
    @roles_required(Role.SUPERVISOR)
    @blp.response(200, AuditVerificationSchema)
    def get(self, verification_id):
        """One run: its status and, once done, the counts and the first broken event."""
        run = service.get_verification(session=db.session, verification_id=verification_id)
        return jsonify(verification_response(run))
