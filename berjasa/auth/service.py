"""Users and tokens: creation, demo tokens, revocation and authentication."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.models import ApiToken, User
from berjasa.db import read_only, utcnow
from berjasa.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from berjasa.pagination import Page, paginate
from berjasa.parties.models import Party, PartyKind
from berjasa.transaction import unit_of_work
from workflows.roles import Role

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOKEN_PREFIX = "bj_"
DEMO_TOKEN_PREFIX = "bj_demo_"
PARTY_OF_ROLE = {
    Role.CASEWORKER: PartyKind.DISNAKER,
    Role.SUPERVISOR: PartyKind.DISNAKER,
    Role.ADMIN: PartyKind.DISNAKER,
    Role.BPJS_OFFICER: PartyKind.BPJS,
    Role.HOSPITAL_STAFF: PartyKind.HOSPITAL,
}


@dataclass(frozen=True)
class Actor:
    """Who is calling: a plain value that services take instead of an ORM user."""

    user_id: int | None
    username: str
    role: Role
    party_id: int | None
    party_kind: str | None
    party_code: str | None

    @classmethod
    def system(cls, name: str) -> Actor:
        """Background work acting on its own (a timer, a cross-check)."""
        return cls(None, f"system:{name}", Role.SYSTEM, None, None, None)

    @property
    def hospital_id(self) -> int | None:
        return self.party_id if self.role is Role.HOSPITAL_STAFF else None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def demo_token(secret_key: str, username: str) -> str:
    """A demo user's token, derived from the instance secret so `berjasa demo tokens` can show it again."""
    digest = hmac.new(secret_key.encode(), f"demo-token:{username}".encode(), hashlib.sha256).digest()
    return DEMO_TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def create_user(
    *, session: Session, role: Role, username: str | None = None, hospital_code: str | None = None,
    token: str | None = None, is_demo: bool = False,
) -> tuple[User, str]:
    """Create a user bound to the party its role belongs to; return it with its token (shown once)."""
    with unit_of_work(session):
        party = _party_for(session, role, hospital_code)
        username = username or f"{role.value.replace('_', '-')}-{secrets.token_hex(3)}"
        if not USERNAME_PATTERN.match(username):
            raise ValidationFailed(
                "Invalid username", errors={"username": ["Use 2-64 lower-case letters, digits, '.', '_' or '-'."]}
            )
        if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"User {username!r} exists already")
        user = User(username=username, role=role, party=party, is_demo=is_demo)
        session.add(user)
        token = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
        session.add(ApiToken(user=user, token_hash=hash_token(token), prefix=token[:12]))
    return user, token


def issue_token(*, session: Session, username: str) -> str:
    """Give an existing user a new token (older ones stay valid until revoked)."""
    with unit_of_work(session):
        user = _user(session, username)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        session.add(ApiToken(user=user, token_hash=hash_token(token), prefix=token[:12]))
    return token


def revoke_tokens(*, session: Session, username: str) -> int:
    """Revoke every live token of a user; return how many were revoked."""
    with unit_of_work(session):
        user = _user(session, username)
        result = session.execute(
            sa.update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    return result.rowcount


_users, _tokens, _parties = User.__table__, ApiToken.__table__, Party.__table__
# Built once, on the tables (a Core statement: no ORM entity loading on every request's hot path).
ACTOR_BY_TOKEN = (
    sa.select(_users.c.id, _users.c.username, _users.c.role, _parties.c.id, _parties.c.kind, _parties.c.code)
    .join(_tokens, _tokens.c.user_id == _users.c.id)
    .join(_parties, _parties.c.id == _users.c.party_id)
    .where(_tokens.c.token_hash == sa.bindparam("token_hash"), _tokens.c.revoked_at.is_(None))
)


def authenticate(*, session: Session, token: str) -> Actor:
    """The actor behind a bearer token; Unauthorized if it is unknown or revoked.

    Plain columns, no ORM objects: the read opens the request's transaction, which the
    request's own work carries on (see berjasa.transaction)."""
    row = session.execute(ACTOR_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise Unauthorized("The bearer token is unknown or revoked")
    user_id, username, role, party_id, kind, code = row
    return Actor(user_id, username, role, party_id, kind.value, code)


def list_users(*, session: Session, page: int, per_page: int) -> tuple[Page, dict[int, int]]:
    """A page of users by username, and how many live (not revoked) tokens each has."""
    with read_only(session):
        found = paginate(session, sa.select(User).order_by(User.username), page=page, per_page=per_page)
        live = dict(session.execute(
            sa.select(ApiToken.user_id, sa.func.count()).where(ApiToken.user_id.in_([u.id for u in found.items]),
                                                               ApiToken.revoked_at.is_(None))
            .group_by(ApiToken.user_id)).tuples().all())
    return found, live


def actor_for(*, session: Session, username: str) -> Actor:
    """The actor of a known user (for work done later on their behalf), or a system actor of that name."""
    with session.begin():
        row = session.execute(sa.select(User, Party).join(Party, Party.id == User.party_id)
                              .where(User.username == username)).first()
    if row is None:
        return Actor.system(username)
    user, party = row
    return Actor(user.id, user.username, user.role, party.id, party.kind.value, party.code)


def _user(session: Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user {username!r}")
    return user


def _party_for(session: Session, role: Role, hospital_code: str | None) -> Party:
    kind = PARTY_OF_ROLE[role]
    if (kind is PartyKind.HOSPITAL) != bool(hospital_code):
        detail = "hospital_staff needs a hospital" if hospital_code is None else "only hospital_staff has a hospital"
        raise ValidationFailed(detail, errors={"hospital": [detail]})
    query = sa.select(Party).where(Party.kind == kind)
    if hospital_code:
        query = query.where(Party.code == hospital_code)
    party = session.scalars(query.order_by(Party.id)).first()
    if party is None:
        what = f"hospital {hospital_code!r}" if hospital_code else f"{kind.value} party"
        raise NotFound(f"No {what}; seed the parties first (berjasa demo seed or POST /api/v1/hospitals)")
    return party
