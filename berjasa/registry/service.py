import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.registry.models import Kecamatan


def list_kecamatan(*, session: Session) -> list[Kecamatan]:
    return list(session.scalars(sa.select(Kecamatan).order_by(Kecamatan.code)))
