"""How a request's input is read before any schema sees it: the JSON body (415 for another content type,
400 for JSON nested too deeply), query parameters (unknown ones refused, naming them) and path parameters
(ids within a BIGINT, strings free of NUL bytes and lone surrogates). Every refusal happens before the view
runs, so nothing is written."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter

from berjasa.errors import BerjasaError, ValidationFailed
from berjasa.fields import MAX_ID, clean_text

JSON_MIME = "application/json"
#: Deeper JSON is refused: no request of ours nests more than a few levels.
MAX_JSON_DEPTH = 32
#: The longest path segment a string parameter (a hospital code, a workflow name) may be.
MAX_PATH_TEXT = 64


class UnsupportedMediaType(BerjasaError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class MalformedBody(BerjasaError):
    status, slug, title = 400, "malformed-body", "Malformed request body"


class Parser(FlaskParser):
    """webargs' parser, stricter: unknown query parameters are refused (422 naming each), a JSON body must
    come as application/json (415 otherwise) and nest at most MAX_JSON_DEPTH levels (400)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE,
                                   "querystring": ma.RAISE}

    def _raw_load_json(self, req: Any) -> Any:
        if not core.is_json(req.mimetype):
            raise UnsupportedMediaType(f"Send the body as {JSON_MIME}, not {req.mimetype or 'no content type'}",
                                       errors={"Content-Type": [f"must be {JSON_MIME}"]})
        return load_json(req.get_data(cache=True))


def load_json(raw: bytes) -> Any:
    """Parse a JSON body; JSONDecodeError for bad JSON (webargs makes it a 400), MalformedBody if too deep."""
    try:
        value = core.parse_json(raw)
    except RecursionError:
        value = None
        depth_exceeded = True
    else:
        depth_exceeded = _depth(value) > MAX_JSON_DEPTH
    if depth_exceeded:
        raise MalformedBody(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels",
                            errors={"body": [f"nested deeper than {MAX_JSON_DEPTH} levels"]})
    return value


def _depth(value: Any) -> int:
    """How deep lists and objects nest in `value`, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in item)
    return deepest


class IdConverter(BaseConverter):
    """A path id: digits. An id beyond a BIGINT is not an error of routing but of input: check_path() refuses
    it with a 422 naming the parameter."""

    regex = r"\d+"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value) if len(value) <= 19 else MAX_ID + 1  # int() refuses over 4,300 digits

    def to_url(self, value: Any) -> str:
        return str(int(value))


def id_schema(_converter: Any) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


class TextConverter(BaseConverter):
    """A path segment of 1 to MAX_PATH_TEXT characters (longer matches nothing: 404)."""

    regex = f"[^/]{{1,{MAX_PATH_TEXT}}}"
    part_isolating = True


def text_schema(_converter: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": MAX_PATH_TEXT}


def check_path() -> None:
    """Before a view: its path ids within 1..2^63-1, its path strings storable (422 naming the parameter)."""
    errors: dict[str, list[str]] = {}
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            errors[name] = [f"must be between 1 and {MAX_ID}"]
        elif isinstance(value, str) and (problem := clean_text(value)):
            errors[name] = [problem]
    if errors:
        raise ValidationFailed(f"Invalid path parameters: {', '.join(sorted(errors))}", errors=errors)


def check_query() -> None:
    """Before a view that declares no query parameters: any query parameter is unknown (422 naming it).
    Views that declare them are checked by the Parser (unknown = RAISE)."""
    if not request.args or _declares_query(request.endpoint, request.method):
        return
    names = sorted(request.args)
    raise ValidationFailed(f"Unknown query parameters: {', '.join(names)}",
                           errors={f"query.{name}": ["Unknown field."] for name in names})


def _declares_query(endpoint: str | None, method: str) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView answers HEAD with its get
        view = getattr(view_class, method.lower(), None) or getattr(view_class, "get", None)
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") in ("query", "querystring") for p in parameters)

