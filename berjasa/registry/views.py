from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.db import db
from berjasa.registry.schemas import KecamatanSchema
from berjasa.registry.service import list_kecamatan

blp = v1_blueprint("kecamatan", __name__, "The districts of Makassar")


@blp.route("/kecamatan")
class KecamatanList(MethodView):
    @blp.response(200, KecamatanSchema(many=True))
    def get(self):
        """The 15 kecamatan of Makassar with their Kemendagri codes."""
        return list_kecamatan(session=db.session)
