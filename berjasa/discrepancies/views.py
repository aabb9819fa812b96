from flask import Response, current_app, jsonify, stream_with_context
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.cases.schemas import CaseEventSchema, TransitionRequestSchema
from berjasa.db import db
from berjasa.discrepancies import service
from berjasa.discrepancies.responses import discrepancy_response
from berjasa.discrepancies.schemas import (
    DiscrepancyFilterArgs,
    DiscrepancyListArgs,
    DiscrepancyPageSchema,
    DiscrepancySchema,
)
from workflows.discrepancy import WORKERS

blp = v1_blueprint("discrepancies", __name__, "The queue of discrepancies the cross-checks found")


def _shown(case, clocks):
    return discrepancy_response(db.session, case, current_actor(), clocks)


@blp.route("/discrepancies")
class Discrepancies(MethodView):
    @roles_required(*WORKERS)
    @blp.arguments(DiscrepancyListArgs, location="query")
    @blp.response(200, DiscrepancyPageSchema)
    def get(self, args):
        """The queue, newest first, by check, responsible party, state, hospital, kecamatan or severity
        (hospital staff: their hospital's only)."""
        page, clocks = service.list_discrepancies(session=db.session, actor=current_actor(), **args)
        return jsonify({"items": [_shown(d, clocks.get(d.id, [])) for d in page.items], "page": page.page,
                        "per_page": page.per_page, "total": page.total})


@blp.route("/discrepancies.csv")
class DiscrepancyExport(MethodView):
    @roles_required(*WORKERS)
    @blp.arguments(DiscrepancyFilterArgs, location="query")
    @blp.response(200, content_type="text/csv", description="the queue with the list's filters, as CSV")
    def get(self, args):
        """The queue as CSV (the list's filters), oldest first."""
        lines = service.export_csv(session=db.session, actor=current_actor(), **args)
        return Response(stream_with_context(lines), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=discrepancies.csv"})


@blp.route("/discrepancies/<id:discrepancy_id>")
class DiscrepancyItem(MethodView):
    @roles_required(*WORKERS)
    @blp.response(200, DiscrepancySchema)
    def get(self, discrepancy_id):
        """One discrepancy: the check, who must act, both sides' evidence, its SLA clock."""
        return jsonify(_shown(*service.get_discrepancy(session=db.session, actor=current_actor(),
                                                       discrepancy_id=discrepancy_id)))


@blp.route("/discrepancies/<id:discrepancy_id>/transitions")
class DiscrepancyTransitions(MethodView):
    @roles_required(*WORKERS)
    @blp.arguments(TransitionRequestSchema)
    @blp.response(200, DiscrepancySchema)
    def post(self, request, discrepancy_id):
        """Acknowledge, resolve or dismiss (`data.reason` required)."""
        case, clocks = service.transition(session=db.session, actor=current_actor(), discrepancy_id=discrepancy_id,
                                          config=current_app.config, **request)
        return jsonify(_shown(case, clocks))


@blp.route("/discrepancies/<id:discrepancy_id>/history")
class DiscrepancyHistory(MethodView):
    @roles_required(*WORKERS)
    @blp.response(200, CaseEventSchema(many=True))
    def get(self, discrepancy_id):
        """Who did what to this discrepancy, in order (the system's opening, reopening and resolving included)."""
        return service.history(session=db.session, actor=current_actor(), discrepancy_id=discrepancy_id)
