"""The BPJS membership file: what BPJS sends the city about the participants the city pays for, one row each.

No public specification exists (DOMAIN.md): this is our documented CSV. The engine's conventions hold (UTF-8, ','
or ';', one header line naming the columns in any order and case). Columns:

| column | required | value |
|---|---|---|
| nik | yes | 16 digits (spaces, dots and dashes between them are fine); the join key, its encoded date is not judged |
| kpj_number | yes | the BPJS membership number, 8-20 digits |
| name | yes | as BPJS holds it |
| birth_date | yes | YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY |
| programmes | no | jkk, jkm, jht joined by '+', ',' (quoted), '/' or spaces, e.g. jkk+jkm |
| status | yes | active (aktif) or non_active (non-aktif, nonaktif, inactive) |
| coverage_start | no | a date |
| paid_until | no | the last month paid, YYYY-MM (or any date in it) |
| arrears_months | no | whole months in arrears, 0-999 (empty: 0) |
| payer | yes | who pays: city (this city's programme; also pemkot, apbd), employer (pemberi_kerja), agency (instansi) |
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Any

from berjasa.enrolment.dtsen import _date, _Invalid, _name, _quote  # the DTSEN file's readers of the same values
from berjasa.imports.csvfile import Header, Layout, RowError
from berjasa.imports.kinds import LineParser, Parsed

COLUMNS = ("nik", "kpj_number", "name", "birth_date", "programmes", "status", "coverage_start", "paid_until",
           "arrears_months", "payer")
REQUIRED = frozenset({"nik", "kpj_number", "name", "birth_date", "status", "payer"})
LAYOUT = Layout(COLUMNS, REQUIRED)
_AT = {column: i for i, column in enumerate(COLUMNS)}
PROGRAMMES = ("jkk", "jkm", "jht")
MAX_ARREARS = 999


def _nik(value: str) -> str:
    text = value.strip()
    if not (len(text) == 16 and text.isascii() and text.isdigit()):
        text = re.sub(r"[\s.\-]", "", text)
        if not text:
            raise _Invalid("is required")
        if not (len(text) == 16 and text.isascii() and text.isdigit()):
            raise _Invalid("must be 16 digits")
    return text


def _kpj(value: str) -> str:
    text = value.strip()
    if not text:
        raise _Invalid("is required")
    if not (8 <= len(text) <= 20 and text.isascii() and text.isdigit()):
        raise _Invalid("must be 8 to 20 digits")
    return text


_PROGRAMME_SPLIT = re.compile(r"[+,/|\s]+")


def _programmes(value: str) -> str:
    text = value.strip().lower()
    if text in ("jkk+jkm", ""):
        return "jkk,jkm" if text else ""
    names = {name for name in _PROGRAMME_SPLIT.split(text) if name}
    unknown = sorted(names - set(PROGRAMMES))
    if unknown:
        raise _Invalid(f"unknown programme {_quote(unknown[0])}; jkk, jkm, jht joined by '+'")
    return ",".join(name for name in PROGRAMMES if name in names)


_STATUSES = {"active": "active", "aktif": "active", "1": "active", "non_active": "non_active",
             "non-active": "non_active", "nonactive": "non_active", "non aktif": "non_active",
             "non-aktif": "non_active", "nonaktif": "non_active", "tidak aktif": "non_active",
             "inactive": "non_active", "0": "non_active"}


def _status(value: str) -> str:
    text = value.strip().lower()
    if text not in _STATUSES:
        raise _Invalid("is required" if not text else f"unknown status {_quote(value)}; active or non_active")
    return _STATUSES[text]


_PAYERS = {"city": "city", "pemkot": "city", "apbd": "city", "employer": "employer", "pemberi_kerja": "employer",
           "pemberi kerja": "employer", "agency": "agency", "instansi": "agency"}


def _payer(value: str) -> str:
    text = value.strip().lower()
    if text not in _PAYERS:
        raise _Invalid("is required" if not text else f"unknown payer {_quote(value)}; city, employer or agency")
    return _PAYERS[text]


def _optional_date(value: str) -> date | None:
    return _date(value) if value.strip() else None


_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def _month(value: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    if match := _MONTH.fullmatch(text):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or year < 1900:
            raise _Invalid(f"{_quote(value)} is not a month")
        return date(year, month, 1)
    return _date(value).replace(day=1)


def _arrears(value: str) -> int:
    text = value.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        raise _Invalid(f"must be a whole number of months from 0 to {MAX_ARREARS}")
    return int(text)


_PARSERS: tuple[tuple[str, Any], ...] = (
    ("nik", _nik), ("kpj_number", _kpj), ("name", _name), ("birth_date", _date), ("programmes", _programmes),
    ("status", _status), ("coverage_start", _optional_date), ("paid_until", _month), ("arrears_months", _arrears),
    ("payer", _payer),
)


def line_parser(header: Header, today: date) -> LineParser:
    """A function reading one line's fields (in the header's order) into a Parsed: the row as (line number, the
    values of COLUMNS in order), or the line's errors."""
    positions, width = header.positions, len(header.positions)
    plan = [(column, parse, positions.get(column, width)) for column, parse in _PARSERS]
    return partial(_parse, plan=plan, today=today)


def _parse(number: int, fields: list[str], plan: list[Any], today: date) -> Parsed:
    try:
        values = tuple(parse(fields[i]) for _, parse, i in plan)
    except _Invalid:
        return _errors(number, fields, plan, today)
    if values[_AT["birth_date"]] > today:
        return Parsed(number, values[0], None, [RowError(number, "birth_date", "is in the future")])
    return Parsed(number, values[0], (number, values))


def _errors(number: int, fields: list[str], plan: list[Any], today: date) -> Parsed:
    parsed: dict[str, Any] = {}
    errors = []
    for column, parse, i in plan:
        try:
            parsed[column] = parse(fields[i])
        except _Invalid as exc:
            errors.append(RowError(number, column, exc.reason))
    if parsed.get("birth_date") is not None and parsed["birth_date"] > today:
        errors.append(RowError(number, "birth_date", "is in the future"))
    # A refused line's NIK still counts as seen: a later line with it is still the same person.
    return Parsed(number, parsed.get("nik"), None, sorted(errors, key=lambda error: _AT.get(error.column, -1)))
