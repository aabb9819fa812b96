"""Passwords and sign-in for the web pages: argon2id hashes, a lock-out after repeated failures, and the user
behind a session cookie. API tokens (auth/service.py) stay for machines."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from berjasa.auth.models import User
from berjasa.auth.service import Actor
from berjasa.db import utcnow
from berjasa.errors import NotFound, Unauthorized, ValidationFailed
from berjasa.parties.models import Party
from berjasa.time import WITA
from berjasa.transaction import unit_of_work

MIN_PASSWORD = 10
MAX_PASSWORD = 200


class SignInRefused(Unauthorized):
    slug, title = "sign-in-refused", "Sign-in refused"


def hasher(config: Mapping[str, Any]) -> PasswordHasher:
    """The argon2id hasher of the settings in force (BERJASA_PASSWORD_HASH_*)."""
    return _hasher(int(config.get("PASSWORD_HASH_TIME_COST", 3)), int(config.get("PASSWORD_HASH_MEMORY_KIB", 65536)))


@functools.cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=4)


@functools.cache
def _decoy(time_cost: int, memory_kib: int) -> str:
    """A hash to check against when the user is unknown, so the answer takes as long as for a known one."""
    return _hasher(time_cost, memory_kib).hash("no such user")


def stamp(password_hash: str | None) -> str:
    """What a session cookie keeps of the password: changing the password ends every session made before."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def set_password(*, session: Session, username: str, password: str, config: Mapping[str, Any]) -> None:
    """Give a user a (new) password; it also lifts a lock-out."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationFailed("Unsuitable password", errors={
            "password": [f"use {MIN_PASSWORD} to {MAX_PASSWORD} characters"]})
    password_hash = hasher(config).hash(password)
    with unit_of_work(session):
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"No user {username!r}")
        user.password_hash, user.failed_logins, user.locked_until = password_hash, 0, None


def sign_in(*, session: Session, username: str, password: str, config: Mapping[str, Any],
            now: datetime | None = None) -> tuple[Actor, str]:
    """The actor whose username and password these are, and the session stamp; SignInRefused otherwise.

    A wrong password counts; LOGIN_MAX_FAILURES in a row lock the account for LOGIN_LOCK_SECONDS, during which
    even the right password is refused. An unknown user gets the same answer as a wrong password, as slowly."""
    now = now or utcnow()
    check = hasher(config)
    with unit_of_work(session):
        user = session.scalar(sa.select(User).where(User.username == username.strip().lower()).with_for_update(of=User))
        if user is None or user.password_hash is None:
            _verify(check, _decoy(check.time_cost, check.memory_cost), password)
            refusal = "wrong"
        elif user.locked_until is not None and user.locked_until > now:
            refusal = "locked"
        elif _verify(check, user.password_hash, password):
            refusal = None
            user.failed_logins, user.locked_until = 0, None
            if check.check_needs_rehash(user.password_hash):
                user.password_hash = check.hash(password)
        else:
            refusal = _count_failure(user, now, config)
        if refusal is None:
            actor = Actor(user.id, user.username, user.role, user.party.id, user.party.kind.value, user.party.code)
            session_stamp = stamp(user.password_hash)
        locked_until = user.locked_until if user is not None else None
    if refusal == "locked":
        until = locked_until.astimezone(WITA).strftime("%H:%M")
        raise SignInRefused("Too many wrong passwords: the account is locked", errors={"password": [
            f"too many wrong passwords; try again after {until} WITA"]}, extra={"locked_until": until})
    if refusal:
        raise SignInRefused("Wrong username or password", errors={"password": ["wrong username or password"]})
    return actor, session_stamp


def _verify(check: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return check.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(user: User, now: datetime, config: Mapping[str, Any]) -> str:
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= int(config.get("LOGIN_MAX_FAILURES", 5)):
        user.failed_logins = 0
        user.locked_until = now + timedelta(seconds=int(config.get("LOGIN_LOCK_SECONDS", 900)))
        return "locked"
    return "wrong"


_users, _parties = User.__table__, Party.__table__
# Built once: the user behind a session cookie, with what the pages need besides the actor.
SESSION_USER = (
    sa.select(_users.c.id, _users.c.username, _users.c.role, _parties.c.id, _parties.c.kind, _parties.c.code,
              _users.c.language, _users.c.password_hash, _parties.c.name)
    .join(_parties, _parties.c.id == _users.c.party_id).where(_users.c.id == sa.bindparam("user_id"))
)


def session_user(*, session: Session, user_id: int, session_stamp: str) -> tuple[Actor, str, str] | None:
    """(actor, language, party name) of a session's user; None if the user is gone or changed password since."""
    row = session.execute(SESSION_USER, {"user_id": user_id}).first()
    if row is None or row[7] is None or stamp(row[7]) != session_stamp:
        return None
    user_id, username, role, party_id, kind, code, language, _hash, party_name = row
    return Actor(user_id, username, role, party_id, kind.value, code), language or "id", party_name
