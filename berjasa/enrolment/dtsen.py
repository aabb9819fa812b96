"""The DTSEN import file: read it row by row with precise errors, and generate realistic synthetic ones."""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache, partial
from typing import Any

from berjasa.registry.enums import Cohort, Sex
from berjasa.registry.nik import NikError, NikInfo, parse_nik, review_flags
from berjasa.time import today_wita

COLUMNS = (
    "nik", "name", "sex", "birth_date", "phone", "address", "kecamatan", "kelurahan", "cohort", "has_disability",
    "decile", "decile_snapshot", "declared_income",
)
_AT = {column: i for i, column in enumerate(COLUMNS)}
REQUIRED = frozenset({"nik", "name", "sex", "birth_date", "kecamatan", "cohort", "decile", "decile_snapshot"})
# Column lengths of the participants table, so that a row that reads well also stores well.
MAX_NAME, MAX_ADDRESS, MAX_KELURAHAN = 200, 300, 100
MAX_INCOME = 999_999_999_999


class FileRefused(Exception):
    """The whole file is refused (not text, no header, wrong columns) before any row is read."""

    def __init__(self, reason: str, errors: dict[str, list[str]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class RowError:
    """Why one column of one line was refused."""

    number: int
    column: str
    reason: str


class _Invalid(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------------- reading


def read(data: bytes) -> Iterator[Row | list[RowError]]:
    """Check the file and its header now (FileRefused), then yield a Row or that line's errors per data line."""
    text = _decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next((fields for fields in reader if not _blank(fields)), None)
    if header is None:
        raise FileRefused("no header line", {"file": ["no header line"]})
    positions = _check_header(header)
    return _rows(reader, positions, today_wita())


def _decode(data: bytes) -> str:
    try:
        text: str | None = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        text = None
    # A NUL never occurs in a text export but always in spreadsheets, images and archives.
    if text is None or "\x00" in text:
        raise FileRefused("not UTF-8 text (binary file?)", {"file": ["not UTF-8 text (binary file?)"]})
    if not text.strip():
        raise FileRefused("empty file", {"file": ["empty file"]})
    return text


def _delimiter(text: str) -> str:
    # Spreadsheets in an Indonesian locale save with ';' because ',' is their decimal separator.
    for line in io.StringIO(text):
        if line.strip():
            return ";" if line.count(";") > line.count(",") else ","
    return ","


def _blank(fields: list[str]) -> bool:
    # Spreadsheets leave lines such as ";;;;" after the last row: as empty as an empty line.
    return all(not field.strip() for field in fields)


def _check_header(header: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    while names and not names[-1]:
        names.pop()  # trailing empty cells of a spreadsheet export
    problems = [f"missing column: {name}" for name in COLUMNS if name in REQUIRED and name not in names]
    problems += [f"unknown column: {name}" for name in names if name and name not in COLUMNS]
    problems += [f"column {i} has no name" for i, name in enumerate(names, 1) if not name]
    problems += [f"duplicate column: {name}" for name in COLUMNS if names.count(name) > 1]
    if problems and not _AT.keys() & set(names):
        # Nothing we know: most likely a file without a header, whose first line is data.
        problems = ["no header line: the first line must name the columns (" + ", ".join(COLUMNS) + ")"]
    if problems:
        raise FileRefused("; ".join(problems), {"header": problems})
    return {name: i for i, name in enumerate(names)}


def _rows(reader: Any, positions: dict[str, int], today: date) -> Iterator[Row | list[RowError]]:
    width = len(positions)
    # The NIK's century depends on the date: read the clock once per file, not once per row.
    plan = [("nik", partial(parse_nik, today=today), positions["nik"])]
    # An absent optional column reads the empty string appended after the line's own fields.
    plan += [(column, parse, positions.get(column, width)) for column, parse in _PARSERS]
    seen: dict[str, int] = {}
    end = reader.line_num
    try:
        for fields in reader:
            # A quoted field may span lines: a record is numbered by the line it starts on.
            number, end = end + 1, reader.line_num
            if not (fields and fields[0].strip()) and _blank(fields):
                continue
            if len(fields) != width:
                if len(fields) < width or not _blank(fields[width:]):
                    yield [RowError(number, "line", f"has {len(fields)} fields, the header has {width}")]
                    continue
                del fields[width:]
            fields.append("")
            yield _parse(number, fields, plan, seen, today)
    except csv.Error as exc:
        # Only a damaged file gets here (e.g. a field over 128 KiB): report it and read no further.
        yield [RowError(end + 1, "line", f"unreadable CSV: {exc}")]


def _parse(number: int, fields: list[str], plan: list[Any], seen: dict[str, int], today: date) -> Row | list[RowError]:
    try:
        values = [parse(fields[i]) for _, parse, i in plan]
    except (_Invalid, NikError):
        # Parse the line again, column by column, to name every problem (the fast path stops at the first).
        return _errors(number, fields, plan, seen, today)
    info, birth_date, snapshot = values[_AT["nik"]], values[_AT["birth_date"]], values[_AT["decile_snapshot"]]
    errors = _cross_checks(number, info, birth_date, snapshot, seen, today)
    if errors:
        return errors
    flags = tuple(review_flags(info, birth_date=birth_date, sex=values[_AT["sex"]]))
    # Row's fields after `number` are the columns in COLUMNS order (kecamatan as kecamatan_code), then flags.
    return Row(number, info.nik, *values[1:], flags)


def _errors(number: int, fields: list[str], plan: list[Any], seen: dict[str, int], today: date) -> list[RowError]:
    parsed: dict[str, Any] = {}
    errors: list[RowError] = []
    for column, parse, i in plan:
        try:
            parsed[column] = parse(fields[i])
        except (_Invalid, NikError) as exc:
            errors.append(RowError(number, column, exc.reason))
    errors += _cross_checks(
        number, parsed.get("nik"), parsed.get("birth_date"), parsed.get("decile_snapshot"), seen, today
    )
    return sorted(errors, key=lambda error: _AT.get(error.column, -1))


def _cross_checks(
    number: int, info: NikInfo | None, birth_date: date | None, snapshot: date | None, seen: dict[str, int],
    today: date,
) -> list[RowError]:
    errors = []
    if info is not None:
        # Every valid NIK counts as seen, even on a refused line: the second line is still the same person.
        first = seen.setdefault(info.nik, number)
        if first != number:
            errors.append(RowError(number, "nik", f"duplicate of line {first}"))
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


# ---------------------------------------------------------------------------------------------------- generating

_MALE = (
    "Muhammad", "Ahmad", "Andi", "Abdul", "Syamsul", "Rahmat", "Irwan", "Hasan", "Arif", "Budi", "Ridwan", "Fajar",
    "Ilham", "Akbar", "Wahyu", "Baso", "Amir", "Yusuf", "Hamka", "Jusman",
)
_FEMALE = (
    "Nurul", "Siti", "Sitti", "Andi", "Nurhayati", "Rahmawati", "Fatimah", "Hasnah", "Asmawati", "Indah", "Dewi",
    "Ayu", "Sri", "Marlina", "Haslinda", "Nurhaeda", "Kartini", "Rosmini", "Hartati", "Mutmainnah",
)
_LAST = (
    "Syamsuddin", "Rahman", "Hamzah", "Nur", "Baharuddin", "Saleh", "Latif", "Mappaseng", "Tahir", "Malik",
    "Hasanuddin", "Amiruddin", "Kadir", "Rauf", "Anwar", "Sangkala", "Tangko", "Jafar", "Halim", "Ramli",
)
_STREETS = (
    "Jl. Perintis Kemerdekaan", "Jl. Urip Sumoharjo", "Jl. A. P. Pettarani", "Jl. Sultan Alauddin", "Jl. Veteran",
    "Jl. Cendrawasih", "Jl. Sungai Saddang", "Jl. Abdullah Daeng Sirua", "Jl. Tinumbu", "Jl. Hertasning",
)
# Mostly informal workers: the DTSEN intake (45,685 in Oct 2025, DOMAIN.md) is of vulnerable workers.
_COHORTS = (
    (Cohort.informal, 80), (Cohort.rt_rw, 3), (Cohort.non_asn, 5), (Cohort.posyandu_kb_cadre, 4),
    (Cohort.religious_worker, 4), (Cohort.election_organiser, 4),
)
# The programme targets deciles 1-4; a real file also holds a few people just above.
_DECILES = ((1, 30), (2, 28), (3, 20), (4, 15), (5, 4), (6, 3))
_INCOMES = (("1000000", 85), ("", 7), ("1500000", 5), ("2000000", 3))
SNAPSHOT = date(2025, 10, 1)
_BORN_FROM, _BORN_TO = date(1960, 1, 1).toordinal(), date(2005, 12, 31).toordinal()
# One defect per invalid row, in this order, each refused in exactly one column: defect -> (column, spoil).
_DEFECTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "nik_length": ("nik", lambda nik: nik[:-1]),
    "cohort": ("cohort", lambda _: "petani"),
    "birth_date": ("birth_date", lambda born: born[:4] + "-02-30"),  # the NIK keeps the real date
    "decile": ("decile", lambda _: "11"),
    "name": ("name", lambda _: ""),
}
DEFECTS = tuple(_DEFECTS)


def generate(
    rows: int, *, invalid_share: float = 0.0, duplicate_share: float = 0.0, seed: int | None = None,
    delimiter: str = ",",
) -> Iterator[str]:
    """Yield the lines ("\\n"-terminated, header first) of a synthetic DTSEN file of `rows` data rows."""
    if rows < 0 or delimiter not in (",", ";"):
        raise ValueError("rows must be >= 0 and the delimiter ',' or ';'")
    if not (0 <= invalid_share <= 1 and 0 <= duplicate_share <= 1 and invalid_share + duplicate_share <= 1):
        raise ValueError("the shares must be between 0 and 1 and add up to at most 1")
    rng = random.Random(seed)
    kinds = _plan(rows, round(rows * invalid_share), round(rows * duplicate_share), rng)
    return _lines(kinds, rng, delimiter)


def _plan(rows: int, invalid: int, duplicates: int, rng: random.Random) -> list[str]:
    if duplicates and rows - invalid - duplicates < 1:
        raise ValueError("a duplicate needs at least one valid row to repeat")
    kinds = ["invalid"] * invalid + ["duplicate"] * duplicates + ["valid"] * (rows - invalid - duplicates)
    rng.shuffle(kinds)
    if duplicates:
        # A duplicate repeats an earlier valid row, so the first valid row must come before any duplicate.
        first_valid, first_duplicate = kinds.index("valid"), kinds.index("duplicate")
        if first_duplicate < first_valid:
            kinds[first_duplicate], kinds[first_valid] = "valid", "duplicate"
    return kinds


def _lines(kinds: list[str], rng: random.Random, delimiter: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")

    def line(fields: list[str] | tuple[str, ...]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(fields)
        return buffer.getvalue()

    yield line(COLUMNS)
    serials: dict[str, int] = {}
    valid: list[list[str]] = []
    defects = 0
    for kind in kinds:
        if kind == "duplicate":
            yield line(rng.choice(valid))  # the same person listed twice
            continue
        fields = _person(rng, serials)
        if kind == "invalid":
            _spoil(fields, DEFECTS[defects % len(DEFECTS)])
            defects += 1
        else:
            valid.append(fields)
        yield line(fields)


def _person(rng: random.Random, serials: dict[str, int]) -> list[str]:
    code, kecamatan = _pick_kecamatan(rng)
    sex = rng.choice((Sex.M, Sex.F))
    born = date.fromordinal(rng.randint(_BORN_FROM, _BORN_TO))
    # The NIK was issued where the person lived then: usually, but not always, where they live now.
    issued = code if rng.random() < 0.9 else _pick_kecamatan(rng)[0]
    first = rng.choice(_MALE if sex is Sex.M else _FEMALE)
    values = {
        "nik": _synthetic_nik(issued, born, sex, serials),
        "name": f"{first} {rng.choice(_LAST)}",
        "sex": sex.value,
        "birth_date": born.isoformat(),
        "phone": _synthetic_phone(rng),
        "address": f"{rng.choice(_STREETS)} No. {rng.randint(1, 250)}, RT {rng.randint(1, 9):03d}/RW "
                   f"{rng.randint(1, 12):03d}",
        "kecamatan": kecamatan,
        "kelurahan": "",
        "cohort": _weighted(rng, _COHORTS).value,
        "has_disability": "1" if rng.random() < 0.03 else "0",
        "decile": str(_weighted(rng, _DECILES)),
        "decile_snapshot": SNAPSHOT.isoformat(),
        "declared_income": _weighted(rng, _INCOMES),
    }
    return [values[column] for column in COLUMNS]


def _pick_kecamatan(rng: random.Random) -> tuple[str, str]:
    code, name, _ = rng.choice(_places())
    return code, name


def _synthetic_nik(kecamatan: str, born: date, sex: Sex, serials: dict[str, int]) -> str:
    day = born.day + (40 if sex is Sex.F else 0)
    stem = f"7371{kecamatan}{day:02d}{born:%m%y}"
    # The serial tells apart people of one kecamatan with one birth date: counting it up keeps NIKs unique.
    serial = serials[stem] = serials.get(stem, 0) + 1
    if serial > 9999:
        raise ValueError(f"more than 9999 people born on one day in one kecamatan ({stem})")
    return f"{stem}{serial:04d}"


def _synthetic_phone(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return ""
    prefix = rng.choice(("0811", "0812", "0813", "0821", "0822", "0852", "0853", "0877", "0895"))
    return prefix + "".join(rng.choices("0123456789", k=rng.choice((7, 8))))


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _spoil(fields: list[str], defect: str) -> None:
    column, spoil = _DEFECTS[defect]
    fields[_AT[column]] = spoil(fields[_AT[column]])
