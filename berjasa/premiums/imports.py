"""BPJS's invoices and the city's payments as kinds of import (berjasa.imports): CSV files whose columns are the API's
fields, each line read by the API's own schema (these files have hundreds of lines, not hundreds of thousands).

- bpjs_invoices: reference, month (YYYY-MM), cohort, programme, participants, amount, due_on (optional)
- city_payments: reference, invoice_reference, paid_on, amount"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import marshmallow as ma
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.errors import flatten_messages
from berjasa.imports.csvfile import Header, Layout, RowError
from berjasa.imports.kinds import Counts, LineParser, Parsed
from berjasa.premiums.schemas import InvoiceSchema, PaymentSchema
from berjasa.premiums.service import write_invoices, write_payments


class CsvOfSchema:
    """A kind whose lines are the fields of an API schema; `save` writes a chunk of loaded rows."""

    key_column = "reference"
    same_file_reuses_rows = False

    def __init__(self, name: str, schema: ma.Schema, required: Sequence[str],
                 save: Callable[[Session, list[Mapping[str, Any]], str], int]) -> None:
        self.name, self.schema, self.save = name, schema, save
        columns = tuple(n for n, field in schema.fields.items() if not field.dump_only)
        self.layout = Layout(columns, frozenset(required))

    def parser(self, header: Header, today: date) -> LineParser:
        positions, width = header.positions, len(header.positions)
        columns = [(name, positions.get(name, width)) for name in self.layout.columns]

        def parse(number: int, fields: list[str]) -> Parsed:
            raw = {name: fields[i].strip() for name, i in columns if fields[i].strip()}
            key = raw.get("reference")
            try:
                return Parsed(number, key, self.schema.load({k: _number(k, v, self.schema) for k, v in raw.items()}))
            except ma.ValidationError as exc:
                errors = flatten_messages(exc.messages, "")
                return Parsed(number, key, None, [RowError(number, column.strip("."), "; ".join(reasons))
                                                  for column, reasons in sorted(errors.items())])

        return parse

    def write(self, session: Session, batch_id: int, rows: list[Mapping[str, Any]], actor: Actor) -> Counts:
        changed = self.save(session, rows, actor.username)
        return Counts(created=changed, unchanged=len(rows) - changed)


def _number(name: str, value: str, schema: ma.Schema) -> Any:
    """Integer columns as numbers (the API's fields take JSON numbers only)."""
    if isinstance(schema.fields[name], ma.fields.Integer) and value.isascii() and value.isdigit():
        return int(value)
    return value


INVOICES = CsvOfSchema("bpjs_invoices", InvoiceSchema(), ("reference", "month", "cohort", "programme",
                                                           "participants", "amount"), write_invoices)
PAYMENTS = CsvOfSchema("city_payments", PaymentSchema(), ("reference", "invoice_reference", "paid_on", "amount"),
                       write_payments)
