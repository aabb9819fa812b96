"""Demo data: the parties (Disnaker, BPJS, three hospitals) and one user per role.

The 15 kecamatan are reference data, seeded by the migrations, not here."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from berjasa.auth.models import ApiToken, User
from berjasa.auth.service import create_user, demo_token, hash_token
from berjasa.auth.signin import hasher, set_password
from berjasa.parties.models import Party, PartyKind, PlkkAgreement
from berjasa.transaction import unit_of_work
from workflows.roles import Role

PARTIES = [
    (PartyKind.DISNAKER, "DISNAKER-MKS", "Dinas Ketenagakerjaan Kota Makassar"),
    (PartyKind.BPJS, "BPJSTK-SULAMA", "BPJS Ketenagakerjaan Kanwil Sulawesi Maluku"),
]
# (code, name, agreement periods)
HOSPITALS = [
    ("RS-PRIMAYA", "RS Primaya Makassar", [(date(2026, 2, 13), None)]),
    ("RSUD-DAYA", "RSUD Daya Kota Makassar", [(date(2024, 1, 1), None)]),
    ("RS-BHAYANGKARA", "RS Bhayangkara Makassar", [(date(2023, 1, 1), date(2025, 12, 31))]),
]
# (role, username, hospital code)
DEMO_USERS = [
    (Role.CASEWORKER, "demo-caseworker", None),
    (Role.SUPERVISOR, "demo-supervisor", None),
    (Role.BPJS_OFFICER, "demo-bpjs", None),
    (Role.HOSPITAL_STAFF, "demo-primaya", "RS-PRIMAYA"),
    (Role.HOSPITAL_STAFF, "demo-daya", "RSUD-DAYA"),
    (Role.ADMIN, "demo-admin", None),
]


def seed(*, session: Session, secret_key: str, config: Mapping[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """Insert what is missing (safe to run again); return (role, username, token) per demo user. Each demo user
    also gets the password `passwords()` shows, hashed with the settings in `config` (default: the app's)."""
    config = _config(config)
    with unit_of_work(session):
        _seed_parties(session)
    for role, username, hospital in DEMO_USERS:
        _ensure_demo_user(session, role, username, hospital, demo_token(secret_key, username))
        _ensure_demo_password(session, username, demo_password(secret_key, username), config)
    return tokens(secret_key=secret_key)


def demo_password(secret_key: str, username: str) -> str:
    """A demo user's password, derived from the instance secret like its token, so it can be shown again."""
    digest = hmac.new(secret_key.encode(), f"demo-password:{username}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:16]


def passwords(*, secret_key: str) -> dict[str, str]:
    """The demo users' passwords by username."""
    return {username: demo_password(secret_key, username) for _role, username, _ in DEMO_USERS}


def tokens(*, secret_key: str) -> list[tuple[str, str, str]]:
    """The demo users' lines, `ROLE USERNAME TOKEN`, derived again from the secret."""
    return [(role.value, username, demo_token(secret_key, username)) for role, username, _ in DEMO_USERS]


def _seed_parties(session: Session) -> None:
    known = set(session.scalars(sa.select(Party.code)))
    session.add_all(Party(kind=k, code=c, name=n) for k, c, n in PARTIES if c not in known)
    for code, name, periods in HOSPITALS:
        if code not in known:
            agreements = [PlkkAgreement(valid_from=start, valid_to=end) for start, end in periods]
            session.add(Party(kind=PartyKind.HOSPITAL, code=code, name=name, agreements=agreements))


def _config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if config is not None:
        return config
    from flask import current_app, has_app_context

    return current_app.config if has_app_context() else {}


def _ensure_demo_password(session: Session, username: str, password: str, config: Mapping[str, Any]) -> None:
    """Set the derived password unless the user's hash already takes it (the secret may have changed)."""
    with session.begin():
        stored = session.scalar(sa.select(User.password_hash).where(User.username == username))
    if stored is not None:
        try:
            if hasher(config).verify(stored, password):
                return
        except (VerificationError, InvalidHashError):
            pass
    set_password(session=session, username=username, password=password, config=config)


def _ensure_demo_user(session: Session, role: Role, username: str, hospital: str | None, token: str) -> None:
    with unit_of_work(session):
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is not None:
            # The instance secret may have changed: make sure today's derived token works.
            if session.scalar(sa.select(ApiToken.id).where(ApiToken.token_hash == hash_token(token))) is None:
                session.add(ApiToken(user=user, token_hash=hash_token(token), prefix=token[:12]))
            return
    create_user(session=session, role=role, username=username, hospital_code=hospital, token=token, is_demo=True)
