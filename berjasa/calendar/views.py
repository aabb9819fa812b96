from flask import jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.calendar import service
from berjasa.calendar.schemas import OverrideCreateSchema, OverrideSchema, YearArgs, YearSchema
from berjasa.db import db
from workflows.roles import Role

blp = v1_blueprint("calendar", __name__, "The working-day calendar: holidays, cuti bersama, overrides")


@blp.route("/calendar")
class Year(MethodView):
    @blp.arguments(YearArgs, location="query")
    @blp.response(200, YearSchema)
    def get(self, args):
        """Every weekday of a year that is not a working day (name, kind, source), and weekdays declared working."""
        found = service.year(session=db.session, year=args["year"])
        return jsonify(
            year=found["year"], version=found["version"],
            days_off=[{"day": d.day.isoformat(), "weekday": d.day.strftime("%A"), "name": d.name,
                       "kind": d.kind.value, "source": d.source, "override": d.overridden} for d in found["days_off"]],
            working_days=[{"day": o.day.isoformat(), "name": o.name, "source": o.source}
                          for o in found["working_days"]])


@blp.route("/calendar/overrides")
class Overrides(MethodView):
    @blp.response(200, OverrideSchema(many=True))
    def get(self):
        """The city's own days: holidays, cuti bersama and working days, with their sources."""
        return jsonify([_override(o) for o in service.list_overrides(session=db.session)])

    @roles_required(Role.ADMIN)
    @blp.arguments(OverrideCreateSchema)
    @blp.response(201, OverrideSchema)
    def post(self, data):
        """Add a holiday, cuti bersama or working day (admin); running working-day clocks move with it."""
        override, moved = service.add_override(session=db.session, actor=current_actor(), data=data)
        response = jsonify(_override(override, moved))
        response.status_code = 201
        return response


@blp.route("/calendar/overrides/<int:override_id>")
class Override(MethodView):
    @roles_required(Role.ADMIN)
    @blp.response(200, OverrideSchema)
    def delete(self, override_id):
        """Remove an override (admin); running working-day clocks move back."""
        override = service.get_override(session=db.session, override_id=override_id)
        shown = _override(override)
        shown["clocks_moved"] = service.remove_override(session=db.session, actor=current_actor(),
                                                        override_id=override_id)
        return jsonify(shown)


def _override(override, moved: int = 0) -> dict:
    return {"id": override.id, "day": override.day.isoformat(), "kind": override.kind.value, "name": override.name,
            "source": override.source, "entered_by": override.entered_by, "clocks_moved": moved}
