from flask import jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth import service as auth
from berjasa.auth.guard import current_actor, roles_required
from berjasa.auth.schemas import (
    MeSchema,
    NewTokenSchema,
    RevokedSchema,
    UserCreateSchema,
    UserPageSchema,
    UserWithTokenSchema,
)
from berjasa.db import db
from berjasa.errors import ValidationFailed
from berjasa.pagination import PageArgs
from berjasa.parties.service import get_party
from berjasa.time import wita_iso
from workflows.roles import Role

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


users = v1_blueprint("users", __name__, "Users and their tokens (admins), as `berjasa users` does")


def user_response(user, live_tokens: int) -> dict:
    return {"username": user.username, "role": user.role.value, "party": user.party.code,
            "hospital": user.party.code if user.role is Role.HOSPITAL_STAFF else None, "is_demo": user.is_demo,
            "created_at": wita_iso(user.created_at), "live_tokens": live_tokens}


@users.route("/users")
class Users(MethodView):
    @roles_required(Role.ADMIN)
    @users.arguments(PageArgs, location="query")
    @users.response(200, UserPageSchema)
    def get(self, args):
        """Every user with their role, party and number of live tokens (admins)."""
        page, live = auth.list_users(session=db.session, **args)
        return jsonify(items=[user_response(u, live.get(u.id, 0)) for u in page.items], page=page.page,
                       per_page=page.per_page, total=page.total)

    @roles_required(Role.ADMIN)
    @users.arguments(UserCreateSchema)
    @users.response(201, UserWithTokenSchema)
    def post(self, data):
        """Create a user (admins); the response carries the token, shown this once."""
        if data["role"] is Role.SYSTEM:
            raise ValidationFailed("Not a user role", errors={"role": ["system is not a user role"]})
        user, token = auth.create_user(session=db.session, role=data["role"], username=data["username"],
                                       hospital_code=data["hospital"])
        response = jsonify({**user_response(user, 1), "token": token})
        response.status_code = 201
        return response


@users.route("/users/<text:username>/tokens")
class UserTokens(MethodView):
    @roles_required(Role.ADMIN)
    @users.response(201, NewTokenSchema)
    def post(self, username):
        """Issue the user another token (older ones stay valid until revoked); shown this once."""
        response = jsonify(username=username, token=auth.issue_token(session=db.session, username=username))
        response.status_code = 201
        return response

    @roles_required(Role.ADMIN)
    @users.response(200, RevokedSchema)
    def delete(self, username):
        """Revoke every live token of the user."""
        return jsonify(username=username, revoked=auth.revoke_tokens(session=db.session, username=username))
