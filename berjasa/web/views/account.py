"""Signing in and out, the language switch, and each role's main page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _

from berjasa.auth import signin
from berjasa.db import db
from berjasa.errors import BerjasaError, ValidationFailed
from berjasa.notifications import inbox
from berjasa.web import forms, i18n, nav
from berjasa.web.pages import blp, page, render

SIGN_IN = [forms.Field("username", "text", True, max_length=64), forms.Field("password", "password", True)]


@blp.get("/")
@page()
def home():
    return redirect(url_for(nav.HOME[g.actor.role]))


@blp.route("/login", methods=["GET", "POST"])
def login():
    form = forms.Form(SIGN_IN, request.form)
    if request.method == "GET":
        return render("login.html", form=form, next=_safe_next(request.args.get("next")))
    try:
        actor, stamp = signin.sign_in(session=db.session, username=request.form.get("username", ""),
                                      password=request.form.get("password", ""), config=current_app.config)
    except BerjasaError as exc:
        form = forms.refused(forms.Form(SIGN_IN, {"username": request.form.get("username", "")}), exc)
        if "locked_until" in exc.extra:
            form.errors["password"] = [_("too many wrong passwords; try again after %(until)s WITA",
                                         until=exc.extra["locked_until"])]
        return render("login.html", exc.status, form=form, next=_safe_next(request.form.get("next")))
    language = session.get("language")
    session.clear()  # a new session on sign-in: nothing from before it carries over
    session.permanent = True
    session.update(uid=actor.user_id, stamp=stamp)
    if language:
        session["language"] = language
    return redirect(_safe_next(request.form.get("next")) or url_for("web.home"))


@blp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("web.login"))


@blp.post("/language")
def language():
    """Switch language: kept on the user (as for notifications) once signed in, in the session before."""
    chosen = request.form.get("language", "")
    if chosen not in i18n.LANGUAGES:
        raise ValidationFailed("Unknown language", errors={"language": [f"one of {', '.join(i18n.LANGUAGES)}"]})
    if g.actor is not None:
        inbox.set_preferences(session=db.session, actor=g.actor, data={"language": chosen})
    session["language"] = chosen
    return redirect(_safe_next(request.form.get("next")) or url_for("web.home"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host): never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
