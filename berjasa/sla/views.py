from flask import jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.db import db
from berjasa.sla import policies as policy_store
from berjasa.sla import service
from berjasa.sla.clocks import CLOCK_FIELDS
from berjasa.sla.responses import breach_responses, clock_responses
from berjasa.sla.schemas import (
    BreachListArgs,
    BreachPageSchema,
    BreachSchema,
    ClockListArgs,
    ClockPageSchema,
    JustificationSchema,
    PolicySchema,
)
from workflows.roles import Role
from workflows.sla import Clock

blp = v1_blueprint("sla", __name__, "SLA policies, clocks and breaches")
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.HOSPITAL_STAFF, Role.ADMIN)


@blp.route("/sla/policies")
class Policies(MethodView):
    @blp.response(200, PolicySchema(many=True))
    def get(self):
        """The SLA policies in force (configuration applied), with their legal sources."""
        return jsonify([_policy(p) for p in policy_store.in_force()])


@blp.route("/sla/clocks")
class Clocks(MethodView):
    @roles_required(*READERS)
    @blp.arguments(ClockListArgs, location="query")
    @blp.response(200, ClockPageSchema)
    def get(self, args):
        """The worklist: clocks by due time, newest first (filters: state, policy, party, hospital, kecamatan,
        due_before, overdue). Hospital staff see their claims' clocks only."""
        page = service.list_clocks(session=db.session, actor=current_actor(), **args)
        rows = page.items
        shown = clock_responses(db.session, [Clock(**{name: getattr(r, name) for name in CLOCK_FIELDS})
                                             for r in rows])
        items = [shown_clock | {"case_type": r.case_type, "case_id": r.case_id, "kecamatan": r.kecamatan_code}
                 for shown_clock, r in zip(shown, rows, strict=True)]
        return jsonify(items=items, page=page.page, per_page=page.per_page, total=page.total)


@blp.route("/sla/breaches")
class Breaches(MethodView):
    @roles_required(*READERS)
    @blp.arguments(BreachListArgs, location="query")
    @blp.response(200, BreachPageSchema)
    def get(self, args):
        """Breaches, newest first (filters: policy, party, hospital, kecamatan, from, to, justified). BPJS
        officers and hospital staff see the breaches attributed to them."""
        page = service.list_breaches(session=db.session, actor=current_actor(), **args)
        return jsonify(items=breach_responses(db.session, page.items), page=page.page, per_page=page.per_page,
                       total=page.total)


@blp.route("/sla/breaches/<int:breach_id>")
class BreachItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, BreachSchema)
    def get(self, breach_id):
        """One breach."""
        breach = service.get_breach_for(session=db.session, actor=current_actor(), breach_id=breach_id)
        return jsonify(breach_responses(db.session, [breach])[0])


@blp.route("/sla/breaches/<int:breach_id>/justification")
class Justification(MethodView):
    @roles_required(Role.SUPERVISOR)
    @blp.arguments(JustificationSchema)
    @blp.response(200, BreachSchema)
    def post(self, data, breach_id):
        """Justify a breach (supervisor): a reason code and a note. It stays a breach, marked justified; audited."""
        breach = service.justify(session=db.session, actor=current_actor(), breach_id=breach_id, **data)
        return jsonify(breach_responses(db.session, [breach])[0])


def _policy(policy) -> dict:
    return {
        "name": policy.name, "case_type": policy.case_type, "description": policy.description,
        "starts": [s.on if s.at == "transition" else f"{s.on} (from {s.at})" for s in policy.starts],
        "stops": sorted(policy.stops), "paused_in": sorted(policy.paused_in),
        "restarts_on": sorted(policy.restarts_on), "duration": str(policy.duration),
        "warn_before": str(policy.warn_before) if policy.warn_before else None,
        "escalate_after": str(policy.escalate_after) if policy.escalate_after else None,
        "cuti_bersama_off": policy.cuti_bersama_off, "party": policy.party, "source": policy.source,
    }
