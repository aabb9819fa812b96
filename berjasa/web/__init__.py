"""The web pages for caseworkers, hospital staff, BPJS officers and supervisors: server-rendered (Jinja) over the
same services as the API, with htmx (shipped in static/) for progress bars and look-ups, in Bahasa Indonesia by
default and English per user. Pages sign in with a password and a session cookie; the API keeps its tokens."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel

TRANSLATIONS = Path(__file__).parent / "translations"


def init_app(app: Flask) -> None:
    from berjasa.web import i18n, pages
    from berjasa.web.views import register

    # Only the pages check CSRF tokens (pages.py): the API authenticates with bearer tokens, never a cookie.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lives as long as its session
    app.config.setdefault("BABEL_DEFAULT_LOCALE", i18n.DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Makassar")
    pages.csrf.init_app(app)
    Babel(app, locale_selector=i18n.locale, default_translation_directories=str(TRANSLATIONS))
    i18n.init_app(app)
    register(pages.blp)
    app.register_blueprint(pages.blp)
