from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import roles_required
from berjasa.db import db
from berjasa.parties import service
from berjasa.parties.models import PartyKind
from berjasa.parties.schemas import AgreementSchema, HospitalCreateSchema, HospitalSchema
from workflows.roles import Role

blp = v1_blueprint("hospitals", __name__, "PLKK hospitals and their agreement periods")


@blp.route("/hospitals")
class Hospitals(MethodView):
    @blp.response(200, HospitalSchema(many=True))
    def get(self):
        """List the hospitals with their PLKK agreement periods."""
        return service.list_hospitals(session=db.session)

    @roles_required(Role.ADMIN)
    @blp.arguments(HospitalCreateSchema)
    @blp.response(201, HospitalSchema)
    def post(self, data):
        """Register a hospital (admin)."""
        return service.create_party(
            session=db.session, kind=PartyKind.HOSPITAL, code=data["code"], name=data["name"],
            agreements=data["plkk_agreements"],
        )


@blp.route("/hospitals/<text:code>")
class Hospital(MethodView):
    @blp.response(200, HospitalSchema)
    def get(self, code):
        """One hospital."""
        return service.get_hospital(session=db.session, code=code)


@blp.route("/hospitals/<text:code>/agreements")
class Agreements(MethodView):
    @roles_required(Role.ADMIN)
    @blp.arguments(AgreementSchema)
    @blp.response(201, HospitalSchema)
    def post(self, data, code):
        """Add a PLKK agreement period to a hospital (admin)."""
        return service.add_agreement(session=db.session, code=code, period=data)
