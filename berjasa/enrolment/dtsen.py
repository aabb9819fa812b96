"""The DTSEN import file: its columns, and each line read into a Row or its errors with precise reasons.

The CSV conventions (text, separator, header, line numbers) are the import engine's (berjasa.imports);
this module knows what a DTSEN line must hold. `berjasa.enrolment.dtsen_demo` generates realistic files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache, partial
from typing import Any

from berjasa.imports.csvfile import Header, Layout, Records, RowError, read_header, text_lines
from berjasa.imports.kinds import LineParser, Parsed
from berjasa.registry.enums import Cohort, Sex
from berjasa.registry.nik import NikError, NikInfo, parse_nik, review_flags
from berjasa.time import today_wita

COLUMNS = (
    "nik", "name", "sex", "birth_date", "phone", "address", "kecamatan", "kelurahan", "cohort", "has_disability",
    "decile", "decile_snapshot", "declared_income",
)
_AT = {column: i for i, column in enumerate(COLUMNS)}
REQUIRED = frozenset({"nik", "name", "sex", "birth_date", "kecamatan", "cohort", "decile", "decile_snapshot"})
LAYOUT = Layout(COLUMNS, REQUIRED)
# Column lengths of the participants table, so that a row that reads well also stores well.
MAX_NAME, MAX_ADDRESS, MAX_KELURAHAN = 200, 300, 100
MAX_INCOME = 999_999_999_999


@dataclass(frozen=True, slots=True)
class Row:
    """One valid data line of the file."""

    number: int  # line in the file, the header being line 1
    nik: str
    name: str
    sex: Sex
    birth_date: date
    phone: str | None
    address: str | None
    kecamatan_code: str  # "01".."15"
    kelurahan: str | None
    cohort: Cohort
    has_disability: bool
    decile: int
    decile_snapshot: date
    declared_income: int | None  # rupiah
    flags: tuple[str, ...]


class _Invalid(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------------- reading


def read(data: bytes) -> Iterator[Row | list[RowError]]:
    """Check a whole file held in memory and its header now (FileRefused), then yield a Row or that line's
    errors per data line. Lines are read on their own: a NIK repeated in the file is the import engine's
    to refuse (it remembers keys in the database, not here)."""
    header = read_header(text_lines([data]), LAYOUT)
    return _rows(Records(text_lines([data]), header, header.end), line_parser(header, today_wita()))


def _rows(records: Records, parse: LineParser) -> Iterator[Row | list[RowError]]:
    for record in records:
        if isinstance(record, RowError):
            yield [record]
            continue
        item = parse(*record)
        yield item.row if item.row is not None else item.errors


def line_parser(header: Header, today: date) -> LineParser:
    """A function reading one line's fields (in the header's order) into a Parsed: the Row, or the errors."""
    positions, width = header.positions, len(header.positions)
    # The NIK's century depends on the date: read the clock once per file, not once per row.
    plan = [("nik", partial(parse_nik, today=today), positions["nik"])]
    # An absent optional column reads the empty string appended after the line's own fields.
    plan += [(column, parse, positions.get(column, width)) for column, parse in _PARSERS]
    return partial(_parse, plan=plan, today=today)


def _parse(number: int, fields: list[str], plan: list[Any], today: date) -> Parsed:
    try:
        values = [parse(fields[i]) for _, parse, i in plan]
    except (_Invalid, NikError):
        # Parse the line again, column by column, to name every problem (the fast path stops at the first).
        return _errors(number, fields, plan, today)
    info, birth_date, snapshot = values[_AT["nik"]], values[_AT["birth_date"]], values[_AT["decile_snapshot"]]
    errors = _cross_checks(number, birth_date, snapshot, today)
    if errors:
        return Parsed(number, info.nik, None, errors)
    flags = tuple(review_flags(info, birth_date=birth_date, sex=values[_AT["sex"]]))
    # Row's fields after `number` are the columns in COLUMNS order (kecamatan as kecamatan_code), then flags.
    return Parsed(number, info.nik, Row(number, info.nik, *values[1:], flags))


def _errors(number: int, fields: list[str], plan: list[Any], today: date) -> Parsed:
    parsed: dict[str, Any] = {}
    errors: list[RowError] = []
    for column, parse, i in plan:
        try:
            parsed[column] = parse(fields[i])
        except (_Invalid, NikError) as exc:
            errors.append(RowError(number, column, exc.reason))
    errors += _cross_checks(number, parsed.get("birth_date"), parsed.get("decile_snapshot"), today)
    info: NikInfo | None = parsed.get("nik")
    # A refused line's NIK still counts as seen: a later line with it is still the same person.
    return Parsed(number, info.nik if info else None, None, sorted(errors, key=lambda error: _AT.get(error.column, -1)))


def _cross_checks(number: int, birth_date: date | None, snapshot: date | None, today: date) -> list[RowError]:
    errors = []
    if birth_date is not None and birth_date > today:
        errors.append(RowError(number, "birth_date", "is in the future"))
    if snapshot is not None and snapshot > today:
        errors.append(RowError(number, "decile_snapshot", "is in the future"))
    return errors


# ---------------------------------------------------------------------------------------------------- columns


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise _Invalid("is required")
    if len(name) > MAX_NAME:
        raise _Invalid(f"is longer than {MAX_NAME} characters")
    return name


# L/P are the KTP's own letters (laki-laki, perempuan); DTSEN exports spell them out.
_SEXES = {
    "m": Sex.M, "l": Sex.M, "laki-laki": Sex.M, "f": Sex.F, "p": Sex.F, "perempuan": Sex.F,
}


def _sex(value: str) -> Sex:
    text = value.strip().lower()
    if not text:
        raise _Invalid("is required")
    if text not in _SEXES:
        raise _Invalid(f"unknown sex {_quote(value)}; one of M, F (or L, P)")
    return _SEXES[text]


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DMY_DATE = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})\2([0-9]{4})")


def _date(value: str) -> date:
    text = value.strip()
    parsed = None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            parsed = date.fromisoformat(text)  # the common case, in C
        except ValueError:
            pass  # e.g. 1985-2-3 or 1985-02-30: the slow path says which
    parsed = parsed or _date_slowly(value, text)
    if parsed.year < 1900:
        raise _Invalid("is before 1900")
    return parsed


def _date_slowly(value: str, text: str) -> date:
    if not text:
        raise _Invalid("is required")
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.group(1, 2, 3)
    elif match := _DMY_DATE.fullmatch(text):
        day, month, year = match.group(1, 3, 4)
    else:
        raise _Invalid("must be a date as YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise _Invalid(f"{_quote(value)} is not a valid date") from None


_PHONE = re.compile(r"\+?[0-9][0-9 -]*")


def _phone(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if not _PHONE.fullmatch(text):
        raise _Invalid("may contain only digits, spaces, '-' and a leading '+'")
    digits = text.replace(" ", "").replace("-", "")
    if not 8 <= len(digits.lstrip("+")) <= 16:
        raise _Invalid("must have 8 to 16 digits")
    return digits  # stored compact: "+62 812-3456" and "+628123456" are the same number


def _optional_text(limit: int) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        text = " ".join(value.split())
        if len(text) > limit:
            raise _Invalid(f"is longer than {limit} characters")
        return text or None

    return parse


def _kecamatan(value: str) -> str:
    code = _kecamatan_code(value)
    if code is None:
        if not value.strip():
            raise _Invalid("is required")
        raise _Invalid(f"unknown kecamatan {_quote(value)}; a code 01..15 (or 73.71.xx) or a name such as Tallo")
    return code


@lru_cache(maxsize=1024)  # a file names the same fifteen places thousands of times
def _kecamatan_code(value: str) -> str | None:
    codes, names = _kecamatan_index()
    text = re.sub(r"^(kecamatan|kec\.?)\s*", "", value.strip().lower())
    if re.fullmatch(r"[0-9. ]+", text):
        parts = [part for part in re.split(r"[. ]+", text) if part]
        if len(parts) == 1 and len(parts[0]) == 6:
            parts = [parts[0][:2], parts[0][2:4], parts[0][4:]]  # 737109
        if len(parts) == 3 and parts[:2] == ["73", "71"]:
            parts = parts[2:]  # 73.71.09: the full Kemendagri code of a Makassar kecamatan
        code = parts[0].zfill(2) if len(parts) == 1 else None
        return code if code in codes else None
    # Names compare on letters only: "Ujung Pandang", "ujungpandang" and "UJUNG-PANDANG" are one place.
    return names.get(re.sub(r"[^a-z]", "", text))


@cache
def _places() -> list[tuple[str, str, bool]]:
    """The 15 kecamatan as (code, name, code confirmed?)."""
    # Imported late: berjasa.demo loads the database models (which this module does not need) and may one day
    # import this module to seed a demo import.
    from berjasa.registry.places import KECAMATAN

    return KECAMATAN


@cache
def _kecamatan_index() -> tuple[frozenset[str], dict[str, str]]:
    codes = frozenset(code for code, _, _ in _places())
    names = {re.sub(r"[^a-z]", "", name.lower()): code for code, name, _ in _places()}
    return codes, names


def _cohort(value: str) -> Cohort:
    cohort = _cohort_named(value)
    if cohort is None:
        if not value.strip():
            raise _Invalid("is required")
        raise _Invalid(f"unknown cohort {_quote(value)}; one of " + ", ".join(Cohort))
    return cohort


@lru_cache(maxsize=256)
def _cohort_named(value: str) -> Cohort | None:
    # "RT/RW" and "non-ASN" are how people write the values that are stored as rt_rw and non_asn.
    key = re.sub(r"[\s/-]+", "_", value.strip().lower())
    return Cohort(key) if key in Cohort.__members__ else None


_YES = {"1", "true", "ya", "y", "yes"}
_NO = {"", "0", "false", "tidak", "n", "no"}


def _disability(value: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _Invalid(f"unknown value {_quote(value)}; one of 1/0, ya/tidak, yes/no, y/n, true/false")


_DECILE_VALUES = {str(decile): decile for decile in range(1, 11)} | {f"0{decile}": decile for decile in range(1, 10)}


def _decile(value: str) -> int:
    text = value.strip()
    if not text:
        raise _Invalid("is required")
    if text not in _DECILE_VALUES:
        raise _Invalid(f"must be a whole number from 1 to 10, not {_quote(value)}")
    return _DECILE_VALUES[text]


# Thousands separators must be consistent and in groups of three, so that "1.000.000,00" (with decimals) or
# "1.5" are refused rather than read as 100 million or 15 rupiah.
_NOT_DIGITS = re.compile(r"[^0-9]")
_INCOME = re.compile(r"[0-9]+|[0-9]{1,3}(?:([., \u00a0])[0-9]{3})(?:\1[0-9]{3})*")


def _income(value: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= 15:
        amount = int(text)
    elif text.startswith("-"):
        raise _Invalid("must not be negative")
    elif _INCOME.fullmatch(text) and len(text) <= 20:
        amount = int(_NOT_DIGITS.sub("", text))
    elif _INCOME.fullmatch(text):
        amount = MAX_INCOME + 1  # too long to be an income (and int() refuses over 4,300 digits)
    else:
        raise _Invalid("must be whole rupiah: digits, optionally with '.', ',' or spaces between thousands")
    if amount > MAX_INCOME:
        raise _Invalid(f"must be at most {MAX_INCOME:,}")
    return amount


def _quote(value: str) -> str:
    # The reason is stored and shown: keep a user's value short in it.
    value = value.strip()
    return repr(value if len(value) <= 40 else value[:40] + "…")


# Every column but the NIK, which `_rows` parses with the date of the import (see there).
_PARSERS: tuple[tuple[str, Callable[[str], Any]], ...] = (
    ("name", _name),
    ("sex", _sex),
    ("birth_date", _date),
    ("phone", _phone),
    ("address", _optional_text(MAX_ADDRESS)),
    ("kecamatan", _kecamatan),
    ("kelurahan", _optional_text(MAX_KELURAHAN)),
    ("cohort", _cohort),
    ("has_disability", _disability),
    ("decile", _decile),
    ("decile_snapshot", _date),
    ("declared_income", _income),
)
