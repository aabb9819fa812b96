from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.checks import service
from berjasa.db import db
from berjasa.discrepancies.schemas import CheckRunRequestSchema, CheckSchema
from workflows.roles import Role

blp = v1_blueprint("checks", __name__, "The cross-checks between Disnaker, BPJS and the hospitals")
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.ADMIN)


@blp.route("/checks")
class Checks(MethodView):
    @roles_required(*READERS)
    @blp.response(200, CheckSchema(many=True))
    def get(self):
        """Every check: what it compares, who must act, its severity, what runs it, and its last run (when, how
        long, found, opened, reopened, auto-resolved)."""
        return service.list_checks(session=db.session)


@blp.route("/checks/runs")
class CheckRuns(MethodView):
    @roles_required(Role.SUPERVISOR, Role.ADMIN)
    @blp.arguments(CheckRunRequestSchema)
    @blp.response(202, CheckRunRequestSchema)
    def post(self, args):
        """Run checks in full now, in the background (every check if `checks` is empty)."""
        service.request_run(db.session, args["checks"], current_actor().username)
        return args
