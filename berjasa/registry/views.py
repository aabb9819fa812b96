from flask import jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.cases.schemas import CaseEventSchema
from berjasa.db import db
from berjasa.registry import service
from berjasa.registry.responses import participant_response
from berjasa.registry.schemas import (
    KecamatanSchema,
    ParticipantCreateSchema,
    ParticipantPageSchema,
    ParticipantPatchSchema,
    ParticipantSchema,
    ParticipantSearchArgs,
)
from workflows.roles import Role

blp = v1_blueprint("registry", __name__, "The districts of Makassar and the participants")
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.ADMIN)


@blp.route("/kecamatan")
class KecamatanList(MethodView):
    @blp.response(200, KecamatanSchema(many=True))
    def get(self):
        """The 15 kecamatan of Makassar with their Kemendagri codes."""
        return service.list_kecamatan(session=db.session)


@blp.route("/participants")
class Participants(MethodView):
    @roles_required(*READERS)
    @blp.arguments(ParticipantSearchArgs, location="query")
    @blp.response(200, ParticipantPageSchema)
    def get(self, args):
        """Search participants by NIK, name, kecamatan or cohort (paginated)."""
        page = service.search_participants(session=db.session, **args)
        return jsonify(items=[participant_response(p, current_actor()) for p in page.items], page=page.page,
                       per_page=page.per_page, total=page.total)

    @roles_required(Role.CASEWORKER, Role.ADMIN)
    @blp.arguments(ParticipantCreateSchema)
    @blp.response(201, ParticipantSchema)
    def post(self, data):
        """Register a participant; the NIK is checked, mismatches with it are flagged for review."""
        participant = service.create_participant(session=db.session, data=data)
        return _json(participant_response(participant, current_actor()), 201)


@blp.route("/participants/<id:participant_id>")
class ParticipantItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, ParticipantSchema)
    def get(self, participant_id):
        """One participant."""
        participant = service.get_participant(session=db.session, participant_id=participant_id)
        return jsonify(participant_response(participant, current_actor()))

    @roles_required(Role.CASEWORKER, Role.ADMIN)
    @blp.arguments(ParticipantPatchSchema)
    @blp.response(200, ParticipantSchema)
    def patch(self, data, participant_id):
        """Correct a participant (the NIK never changes); each change is an audit event with its reason."""
        participant = service.correct_participant(session=db.session, actor=current_actor(),
                                                  participant_id=participant_id, data=data)
        return jsonify(participant_response(participant, current_actor()))


@blp.route("/participants/<id:participant_id>/history")
class ParticipantHistory(MethodView):
    @roles_required(*READERS)
    @blp.response(200, CaseEventSchema(many=True))
    def get(self, participant_id):
        """The corrections of a participant (who changed what, from what to what, and why), in order."""
        return service.participant_history(session=db.session, participant_id=participant_id)


def _json(body, status):
    response = jsonify(body)
    response.status_code = status
    return response
