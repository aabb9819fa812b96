"""What a caller may see of the discrepancy queue: hospital staff only what is attributed to their hospital."""

from __future__ import annotations

import sqlalchemy as sa

from berjasa.auth.service import Actor
from berjasa.cases.service import EVERYTHING, Scope
from workflows.roles import Role


def visible(actor: Actor) -> Scope:
    if actor.role is not Role.HOSPITAL_STAFF:
        return EVERYTHING
    return Scope("hospital", _of_hospital, {"scope_hospital": actor.party_id})


def _of_hospital(model: type) -> sa.ColumnElement[bool]:
    return model.hospital_id == sa.bindparam("scope_hospital")
