"""Berjasa: case management for Makassar Berjasa (BPJS Ketenagakerjaan enrolment and JKK claims)."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from berjasa import config as settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults (embedded mode) < BERJASA_* environment < `config` (tests)."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("BERJASA_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance_path)
    app.config.update(settings.defaults(app.instance_path))
    app.config.from_prefixed_env(settings.ENV_PREFIX)
    app.config.update(config or {})
    settings.validate(app.config, app.instance_path)
    app.json.sort_keys = False

    from berjasa import api, errors, logs, web
    from berjasa.db import db
    from berjasa.events import outbox
    from berjasa.metrics import views as metrics
    from berjasa.reports import targets
    from berjasa.sla import policies

    logs.init_app(app)
    metrics.init_app(app)
    errors.init_app(app)
    db.init_app(app)
    _register_blueprints(app, api.init_app(app))
    web.init_app(app)
    _register_cli(app)
    outbox.init_app(app)
    policies.init_app(app)
    targets.init_app(app)
    return app


def _register_blueprints(app: Flask, api: Any) -> None:
    from berjasa.audit.views import blp as audit
    from berjasa.auth.views import blp as me
    from berjasa.auth.views import users
    from berjasa.calendar.views import blp as calendar
    from berjasa.cases.views import blp as workflows
    from berjasa.checks.views import blp as checks
    from berjasa.claims.views import blp as claims
    from berjasa.discrepancies.views import blp as discrepancies
    from berjasa.enrolment.views import blp as enrolments
    from berjasa.imports.views import blp as imports
    from berjasa.notifications.views import blp as notifications
    from berjasa.parties.views import blp as hospitals
    from berjasa.premiums.views import blp as premiums
    from berjasa.registry.views import blp as registry
    from berjasa.reports.views import blp as reports
    from berjasa.sla.views import blp as sla
    from berjasa.system.views import blp as system

    app.register_blueprint(system)
    for blueprint in (me, users, hospitals, registry, workflows, enrolments, claims, audit, sla, calendar,
                      notifications, imports, premiums, checks, discrepancies, reports):
        api.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from berjasa.cli import register

    register(app)
