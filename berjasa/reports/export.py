"""How a report leaves: JSON, CSV or HTML, chosen by the path's suffix (`.csv`, `.html`) or the Accept header.

CSV is for spreadsheets: UTF-8 with a byte-order mark (so that Excel opens names with accents and "Rp" right,
and LibreOffice does too), comma separated, CRLF line ends (RFC 4180), one header line. A text cell that starts
with = + - @ gets a leading apostrophe, so that a spreadsheet never takes it for a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, request

BOM = "\ufeff"
CSV_MIME = "text/csv"
HTML_MIME = "text/html"
JSON_MIME = "application/json"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def wanted(suffix: str | None, offered: Sequence[str]) -> str:
    """The media type to answer with: the suffix's if the path had one, else the best of `offered` for the
    Accept header (JSON when it asks for anything)."""
    if suffix:
        return {"csv": CSV_MIME, "html": HTML_MIME}[suffix]
    best = request.accept_mimetypes.best_match(offered, default=offered[0])
    return best or offered[0]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    return Response(csv_text(header, rows).encode("utf-8"), content_type=f"{CSV_MIME}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"})


def html_response(page: str) -> Response:
    return Response(page, content_type=f"{HTML_MIME}; charset=utf-8", headers={"Vary": "Accept"})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


#: The OpenAPI content a CSV answer adds to an operation's 200 response.
CSV_CONTENT = {CSV_MIME: {"schema": {"type": "string", "description": "UTF-8 with a byte-order mark"}}}
