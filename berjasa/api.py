"""flask-smorest wiring: OpenAPI at /api/openapi.json, docs at /api/docs, errors as problem+json."""

from __future__ import annotations

import http

import marshmallow as ma
import swagger_ui_bundle
from apispec import BasePlugin
from flask import Blueprint as FlaskBlueprint
from flask import Flask
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from berjasa import parsing
from berjasa.auth.guard import authenticate_request
from berjasa.errors import PROBLEM_MIME, http_exception_response

API_PREFIX = "/api/v1"
#: The errors every operation may answer (each documented as a problem), and those only writes may.
READ_ERRORS = (400, 401, 403, 404, 422, 503)
WRITE_ERRORS = (409, 413, 415)
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error response carries them."""

    type = ma.fields.String(metadata={"example": "/problems/validation-error"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Reasons per field, e.g. {\"code\": [\"Missing data for required field.\"]}"},
    )
    request_id = ma.fields.String()
    # A refused transition says where the case stands and what refused it (berjasa.cases.service).
    state = ma.fields.String(metadata={"description": "the case's current state (403, 409 on a case)"})
    version = ma.fields.Integer(metadata={"description": "the case's current version (403, 409 on a case)"})
    code = ma.fields.String(metadata={"description": "what refused a transition: unknown_trigger, "
                                                     "not_allowed_from_state, guard_failed"})
    trigger = ma.fields.String()
    guard = ma.fields.String(metadata={"description": "the guard that refused"})
    reason = ma.fields.String(metadata={"description": "the guard's reason"})
    checks = ma.fields.List(ma.fields.String(), metadata={"description": "what is not ready (503 of /readyz)"})


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        return http_exception_response(error)

    def _register_responses(self) -> None:
        """Every error response, by status name, is a problem (application/problem+json), as sent."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIME)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIME)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class ProblemResponses(BasePlugin):
    """Documents the errors every /api/v1 operation may answer (READ_ERRORS, and WRITE_ERRORS for writes),
    so that generated clients and fuzzers expect them, as problems."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        if not (path or "").startswith(API_PREFIX):
            return
        for method, operation in (operations or {}).items():
            statuses = READ_ERRORS + (WRITE_ERRORS if method in WRITE_METHODS else ())
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(str(status), http.HTTPStatus(status).name)


def settings() -> dict:
    return {
        "API_TITLE": "Berjasa",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/docs-assets/",
        "API_SPEC_OPTIONS": {
            "info": {"description": "Case management for Makassar Berjasa (BPJS Ketenagakerjaan)."},
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    }


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = parsing.Parser()

    def arguments(self, schema, *args, **kwargs):  # type: ignore[override]
        """As flask-smorest's, with one schema instance made here: given a class, webargs would make a new
        instance (copying every field) on every request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


def v1_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A blueprint under /api/v1 whose every route needs a valid bearer token."""
    blp = Blueprint(name, import_name, url_prefix=API_PREFIX, description=description)
    blp.before_request(authenticate_request)
    blp.before_request(parsing.check_path)
    blp.before_request(parsing.check_query)
    return blp


def init_app(app: Flask) -> Api:
    """Attach a fresh Api (one per app: smorest keeps the spec on it) and the docs assets."""
    for key, value in settings().items():
        app.config.setdefault(key, value)
    app.url_map.converters["id"] = parsing.IdConverter
    app.url_map.converters["text"] = parsing.TextConverter
    api = Api(app, spec_kwargs={"extra_plugins": [ProblemResponses()]})
    api.register_converter(parsing.IdConverter, parsing.id_schema)
    api.register_converter(parsing.TextConverter, parsing.text_schema)
    # Swagger UI's files ship in a Python package, so the docs page works with no CDN in reach.
    assets = FlaskBlueprint(
        "docs_assets", __name__, static_folder=swagger_ui_bundle.swagger_ui_path, static_url_path="/api/docs-assets"
    )
    app.register_blueprint(assets)
    return api
