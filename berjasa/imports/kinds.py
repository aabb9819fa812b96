"""What a kind of import supplies to the engine, and the one table of the kinds there are.

A kind is a file format and what its rows do. The engine (berjasa.imports.engine) owns everything else:
keeping the upload, reading it as a stream, chunks, transactions, progress, resuming after a crash,
duplicates within a file, and the per-row error report. A kind supplies:

- `name`: stored on the batch (`import_batches.kind`) and named in `KINDS` below;
- `layout`: the CSV columns, and which are required (the header is checked against it);
- `key_column`: the column whose value may appear once per file (e.g. "nik"), or None;
- `same_file_reuses_rows`: whether a file identical (by SHA-256) to the newest batch of the kind imported in full
  is that batch again: its rows are used as they are instead of being read and written anew (true for a snapshot
  such as BPJS's membership file, whose rows are kept per batch; false where writing rows changes other tables);
- `parser(header, today)`: returns a function `(line number, fields) -> Parsed`, pure (no database);
  fields are in header order (`header.positions`), an absent optional column reads `fields[-1]` ("");
- `write(session, batch_id, rows, actor) -> Counts`: writes one chunk of valid rows inside the engine's
  transaction (it must not commit) and says how many it created, updated or left unchanged. It looks up
  what the chunk needs in the database, never more, and must be idempotent: writing the same rows again
  changes nothing (that is what makes a re-imported file and a resumed chunk harmless).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, Protocol

from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.imports.csvfile import Header, Layout, RowError


@dataclass(frozen=True, slots=True)
class Parsed:
    """One data line read: the kind's row if it is valid, else its errors; `key` if the key column read well
    (a refused line's key still counts: a later line with it is still a duplicate)."""

    number: int
    key: str | None
    row: Any = None
    errors: list[RowError] = field(default_factory=list)


class Counts(NamedTuple):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


LineParser = Callable[[int, list[str]], Parsed]


class Kind(Protocol):
    name: str
    layout: Layout
    key_column: str | None
    same_file_reuses_rows: bool

    def parser(self, header: Header, today: date) -> LineParser: ...

    def write(self, session: Session, batch_id: int, rows: list[Any], actor: Actor) -> Counts: ...


# kind name -> "module:attribute" of its Kind, imported when first used (berjasa.imports imports no domain).
KINDS: dict[str, str] = {
    "dtsen": "berjasa.enrolment.imports:DTSEN",
    "bpjs": "berjasa.bpjs.imports:BPJS",
    "bpjs_invoices": "berjasa.premiums.imports:INVOICES",
    "city_payments": "berjasa.premiums.imports:PAYMENTS",
}


def kind_named(name: str) -> Kind:
    module, attribute = KINDS[name].split(":")
    return getattr(importlib.import_module(module), attribute)
