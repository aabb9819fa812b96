"""The HTTP side of every import: receiving an upload without holding it in memory, and streaming a batch's
refused rows as CSV."""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from flask import Response, current_app, request, stream_with_context

from berjasa.errors import ValidationFailed
from berjasa.fields import clean_text
from berjasa.parsing import UnsupportedMediaType

#: What an upload endpoint documents as its body.
UPLOAD_BODY = {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                  "format": "binary"}}}},
}}


def errors_response(rows: Iterator[tuple[int, str, str]], batch_id: int) -> Response:
    """The refused rows (line, column, reason) as a streamed CSV download."""
    first = next(rows, None)  # a 404 for an unknown import comes before the response starts
    return Response(stream_with_context(csv_lines(first, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=import-{batch_id}-errors.csv"})


def csv_lines(first: tuple | None, rows: Iterable[tuple]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "column", "reason"])
    for row in itertools.chain([first] if first else [], rows):
        writer.writerow(row)
        if out.tell() > 65536:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def upload() -> tuple[str, BinaryIO]:
    """The uploaded file, spooled to a temporary file as it arrives: a large upload never sits in memory,
    and no database transaction waits on a slow sender."""
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")  # werkzeug spools a large part to disk
        if upload is None:
            raise ValidationFailed("No file uploaded", errors={"file": ["send the CSV in the form field 'file'"]})
        return upload.filename or "upload.csv", upload.stream
    if request.mimetype in ("text/csv", "text/plain", "application/octet-stream"):
        filename = request.headers.get("X-Filename", "upload.csv")
        if problem := clean_text(filename):
            raise ValidationFailed("Bad X-Filename", errors={"X-Filename": [problem]})
        spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 (closed by the caller)
        shutil.copyfileobj(request.stream, spool, 1 << 20)
        spool.seek(0)
        return filename, spool
    raise UnsupportedMediaType("Send the CSV as text/csv or multipart/form-data",
                               errors={"Content-Type": [f"{request.mimetype or 'none'} is not accepted"]})
