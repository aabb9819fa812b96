"""The BPJS membership file as a kind of import (berjasa.imports): each valid row is stored as it reads, under its
batch, and the newest batch imported in full is BPJS's view the cross-checks compare with (berjasa/checks)."""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.bpjs import file
from berjasa.bpjs.models import BpjsMembership
from berjasa.db import bulk_insert
from berjasa.imports import engine
from berjasa.imports.csvfile import Header
from berjasa.imports.kinds import Counts, LineParser
from berjasa.imports.models import ImportBatch

_COLUMNS = ("nik", "kpj_number", "name", "birth_date", "programmes", "status", "coverage_start", "paid_until",
            "arrears_months", "payer")
assert _COLUMNS == file.COLUMNS  # a row's values come in the file's column order


def start_import(*, session: Session, requested_by: str, filename: str, file: BinaryIO,  # noqa: A002
                 background: bool = True, resume: bool = False) -> ImportBatch:
    """Check a BPJS membership file and keep it as a queued batch (see berjasa.imports.engine.start)."""
    return engine.start(session=session, kind=BPJS.name, requested_by=requested_by, filename=filename, file=file,
                        background=background, resume=resume)


class BpjsKind:
    """BPJS's membership rows, one per NIK, stored as they read (the checks compare them)."""

    name = "bpjs"
    layout = file.LAYOUT
    key_column = "nik"
    same_file_reuses_rows = True  # the newest file is BPJS's view; the same file again is that view again

    def parser(self, header: Header, today: date) -> LineParser:
        return file.line_parser(header, today)

    def write(self, session: Session, batch_id: int, rows: list[tuple[Any, ...]], actor: Actor) -> Counts:
        # The rows of one batch are new by construction (a chunk is written once: the engine rolls back a chunk
        # whose place in the batch is gone), so they go in with COPY.
        bulk_insert(session, BpjsMembership.__table__, [
            {"batch_id": batch_id, "line": line, **dict(zip(_COLUMNS, values, strict=True))}
            for line, values in rows])
        return Counts(created=len(rows))


BPJS = BpjsKind()
