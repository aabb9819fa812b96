from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor
from berjasa.auth.schemas import MeSchema
from berjasa.db import db
from berjasa.parties.service import get_party

blp = v1_blueprint("me", __name__, "The caller's own identity")


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self):
        """Who am I: username, role and party."""
        actor = current_actor()
        party = get_party(session=db.session, party_id=actor.party_id)
        return {
            "username": actor.username,
            "role": actor.role.value,
            "party": party,
            "hospital": party.code if actor.hospital_id else None,
        }
