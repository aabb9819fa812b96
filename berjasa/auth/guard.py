"""Request authentication (a before_request hook) and role checks (a view decorator)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from berjasa.auth.service import Actor, authenticate
from berjasa.db import db
from berjasa.errors import Forbidden, Unauthorized
from berjasa.transaction import READ_METHODS, mark_read_only, open_request
from workflows.roles import Role

F = TypeVar("F", bound=Callable[..., Any])
CARRY_ON_MAX_BODY = 64 * 1024  # bytes; bigger bodies are read with no database transaction open


def authenticate_request() -> None:
    """Resolve the bearer token once per request; 401 when it is missing, malformed or revoked."""
    if request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>'")
    session = db.session
    open_request(session, request.method)  # a GET reads in autocommit (berjasa.transaction, policy READS)
    g.actor = authenticate(session=session, token=token.strip())
    if request.method in READ_METHODS:
        pass
    elif (request.content_length or 0) > CARRY_ON_MAX_BODY or request.headers.get("Transfer-Encoding"):
        session.rollback()  # a large body (an upload) may take long to arrive: hold no connection meanwhile
    else:
        mark_read_only(session)  # the request's own work carries this transaction on (policy CARRY ON)
    g.username = g.actor.username


def current_actor() -> Actor:
    actor = g.get("actor")
    if actor is None:
        raise Unauthorized("Send 'Authorization: Bearer <token>'")
    return actor


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let only these roles through; 403 names the caller's role and who may act."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor.role not in roles:
                allowed = ", ".join(sorted(r.value for r in roles))
                raise Forbidden(f"Role {actor.role.value} may not do this; allowed: {allowed}")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
