"""The pages' blueprint: who is signed in (a session cookie, checked on every request), CSRF on every form, the
`page(*roles)` guard, rendering with the navigation, and errors as pages (never a stack trace)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from berjasa.auth import signin
from berjasa.db import db
from berjasa.errors import BerjasaError, Forbidden, Unauthorized
from berjasa.transaction import READ_METHODS, mark_read_only, open_request
from berjasa.web import nav
from workflows.roles import Role

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("berjasa.web")
csrf = CSRFProtect()
blp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")
#: Forms whose body may be larger than BERJASA_MAX_CONTENT_LENGTH: the setting that bounds them instead.
LARGE_BODIES = {"web.imports_page": "IMPORT_MAX_BYTES", "web.bpjs_import": "IMPORT_MAX_BYTES"}


@blp.before_request
def _protect() -> None:
    """Every form carries the session's CSRF token (a hidden field, or htmx's X-CSRFToken header)."""
    if request.endpoint in LARGE_BODIES:
        request.max_content_length = current_app.config[LARGE_BODIES[request.endpoint]]
    if request.method not in READ_METHODS and request.endpoint != "web.static":
        csrf.protect()


@blp.before_request
def _signed_in_user() -> None:
    """The user behind the session cookie (none if it is missing, or the user is gone or changed password)."""
    g.actor = None
    user_id = session.get("uid")
    if user_id is None or request.endpoint == "web.static":
        return
    open_request(db.session, request.method)  # a GET reads in autocommit, as the API does (policy READS)
    found = signin.session_user(session=db.session, user_id=user_id, session_stamp=session.get("stamp", ""))
    if found is None:
        session.clear()
        return
    g.actor, g.language, g.party_name = found
    g.username = g.actor.username
    if request.method not in READ_METHODS:
        mark_read_only(db.session)  # the form's own write carries this transaction on (policy CARRY ON)


def page(*roles: Role) -> Callable[[F], F]:
    """A page for these roles (the API's own role lists): others get 403, anyone not signed in the sign-in page."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = g.get("actor")
            if actor is None:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if roles and actor.role not in roles:
                raise Forbidden(f"Role {actor.role.value} may not open this page")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page with the navigation of the signed-in user's role."""
    actor = g.get("actor")
    entries = nav.entries(actor.role) if actor else []
    return render_template(template, actor=actor, nav=entries, party_name=g.get("party_name"), **context), status


# ---------------------------------------------------------------- errors as pages
@blp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    log.warning("form refused: %s (%s %s)", error.description, request.method, request.path)
    return render("error.html", 400, code=400, problem="csrf")


@blp.errorhandler(BerjasaError)
def _refused(error: BerjasaError) -> Any:
    if isinstance(error, Unauthorized):
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return render("error.html", error.status, code=error.status, problem=error.slug, detail=error.detail)


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[str, int]:
    return render("error.html", error.code or 500, code=error.code or 500, problem="http", detail=error.name)


@blp.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[str, int]:
    """A bug or a database gone away: the log has the traceback under the request id, the page only the id."""
    if isinstance(error, OperationalError):
        log.warning("database unavailable (request %s): %s", g.get("request_id", "-"), type(error.orig).__name__)
        return render("error.html", 503, code=503, problem="unavailable")
    log.exception("unhandled error (request %s)", g.get("request_id", "-"))
    try:
        return render("error.html", 500, code=500, problem="unexpected")
    except Exception:  # noqa: BLE001 - the error page itself failed: a bare page, still without internals
        log.exception("error page failed (request %s)", g.get("request_id", "-"))
        return f"<!doctype html><title>500</title><p>Error 500 ({g.get('request_id', '-')})</p>", 500
