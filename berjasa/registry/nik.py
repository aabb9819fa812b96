"""The NIK (Nomor Induk Kependudukan): validation, what it encodes, and how it compares with stated facts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from stdnum.exceptions import InvalidComponent
from stdnum.id import nik as stdnum_nik

from berjasa.registry.enums import Sex
from berjasa.time import today_wita

# The separators people type in a NIK (stdnum's compact() strips the same ones, but slowly: see parse_nik).
_SEPARATORS = str.maketrans("", "", " .-")
_DIGITS = re.compile(r"[0-9]+")
BAD_DATE = "the birth date encoded in the NIK is not a valid date"


class NikError(ValueError):
    """A NIK that is not valid; `.reason` says why in a short sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NikInfo:
    """A valid NIK and what it encodes."""

    nik: str
    birth_date: date
    sex: Sex
    # Province + regency/city where the NIK was first issued (e.g. "7371" = Kota Makassar), not the residence.
    region: str


def parse_nik(raw: str, *, today: date | None = None) -> NikInfo:
    """Validate a NIK (separators allowed) and decode it; raise NikError with the reason."""
    number = raw.strip()
    if not (len(number) == 16 and number.isascii() and number.isdigit()):
        _check_format(number := number.translate(_SEPARATORS))  # off the fast path: translate() is slow
    # Same checks, order and reasons as stdnum's validate() (format, length, date, place), but cached on the
    # few digits each reads: validate() on each row of a 45,000-row DTSEN file would take two seconds.
    birth_date, sex = _birth(number[6:12], today or today_wita())
    if not _known_region(number[:4]):
        raise NikError(f"unknown province/regency code {number[:4]}")
    return NikInfo(nik=number, birth_date=birth_date, sex=sex, region=number[:4])


def _check_format(number: str) -> None:
    if not number:
        raise NikError("is required")
    if not _DIGITS.fullmatch(number):
        raise NikError("must contain only digits")
    if len(number) != 16:
        raise NikError("must be 16 digits")


def review_flags(info: NikInfo, *, birth_date: date | None, sex: Sex | None) -> list[str]:
    """Flags for a caseworker when the stated birth date or sex disagrees with the NIK (never a rejection)."""
    flags = []
    # The NIK keeps only two digits of the year, so the century is not evidence either way.
    if birth_date is not None and _ddmmyy(birth_date) != _ddmmyy(info.birth_date):
        flags.append("nik_birth_date_mismatch")
    if sex is not None and sex != info.sex:
        flags.append("nik_sex_mismatch")
    return flags


def _ddmmyy(day: date) -> tuple[int, int, int]:
    return day.day, day.month, day.year % 100


@lru_cache(maxsize=1 << 16)  # a few tens of thousands of birth dates per file; `today` changes once a day
def _birth(ddmmyy: str, today: date) -> tuple[date, Sex]:
    """Birth date and sex encoded in the DDMMYY segment; NikError if it is not a date."""
    encoded_day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    # stdnum's rule (day modulo 40, then 19yy or 20yy) written out: its get_birth_date() costs 40 µs a call,
    # a second per DTSEN file. Unlike stdnum, days 81..99 are refused: modulo 40 would make them days 1..19.
    day = encoded_day % 40
    if encoded_day > 71 or not (_date_or_none(1900 + year, month, day) or _date_or_none(2000 + year, month, day)):
        raise NikError(BAD_DATE)
    return _with_century(day, month, year, today), Sex.F if encoded_day > 40 else Sex.M


@cache
def _known_region(region: str) -> bool:
    """Whether stdnum accepts the place code (checked with a NIK whose other parts are valid)."""
    # stdnum in fact checks the province only (its regency table stops around 2012 and would refuse people
    # from newer regencies); its province table lacks Kalimantan Utara (65) and the new Papua provinces.
    try:
        stdnum_nik.validate(region + "00" + "010170" + "0001")
    except InvalidComponent:
        return False
    return True


def _with_century(day: int, month: int, year: int, today: date) -> date:
    # stdnum always guesses 19yy, which makes everyone born since 2000 a century old. The latest date that
    # is not in the future is right for anyone under about a hundred, which covers the working population.
    recent = _date_or_none(2000 + year, month, day)
    if recent is not None and recent <= today:
        return recent
    # 29 Feb of '00 exists only in 2000; a future 2000s date must be 19yy.
    return _date_or_none(1900 + year, month, day) or date(2000 + year, month, day)


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
