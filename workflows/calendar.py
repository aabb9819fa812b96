"""Working days in WITA: Monday to Friday, minus Indonesia's national holidays and cuti bersama (from the
`holidays` package: country ID, categories public and government), minus the city's own holidays, plus the
weekdays it declares working. Pure calculation: the overrides are handed in.

Working time is measured in whole WITA days: a working day counts 24 hours of working time, any other day none.
So "14 working days" from Tuesday 10:00 ends at 10:00 on the 14th working day after it, and a clock started on a
Saturday starts counting on Monday at 00:00. Hour-based clocks ("2x24 jam") use wall-clock time instead."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

WITA = ZoneInfo("Asia/Makassar")
DAY = 86400.0
PACKAGE_SOURCE = {"holiday": "Keppres / SKB 3 Menteri (national holiday, python-holidays)",
                  "cuti_bersama": "SKB 3 Menteri (cuti bersama, python-holidays)"}


class DayKind(StrEnum):
    holiday = "holiday"  # libur nasional, or a local holiday
    cuti_bersama = "cuti_bersama"  # collective leave for offices
    working_day = "working_day"  # a weekday declared working although the package has it off


@dataclass(frozen=True)
class Override:
    """A day the city sets itself, with the legal source it rests on."""

    day: date
    kind: DayKind
    name: str
    source: str


@dataclass(frozen=True)
class DayOff:
    day: date
    name: str
    kind: DayKind
    source: str
    overridden: bool = False  # from the city's overrides, not the package


@functools.lru_cache(maxsize=64)
def _package_days(year: int) -> dict[date, tuple[str, DayKind]]:
    public = holidays.country_holidays("ID", years=year, categories=("public",), language="id")
    government = holidays.country_holidays("ID", years=year, categories=("government",), language="id")
    days = {day: (name, DayKind.holiday) for day, name in public.items()}
    days.update({day: (name, DayKind.cuti_bersama) for day, name in government.items() if day not in days})
    return days


class Calendar:
    """The working-day calendar in force: the package's days plus `overrides`; `version` names it."""

    def __init__(self, overrides: Iterable[Override] = (), version: int = 0) -> None:
        self.version = version
        self._overrides = {o.day: o for o in overrides}

    def day_off(self, day: date) -> DayOff | None:
        """Why a weekday (or any day) is off, or None if it is not a holiday or cuti bersama."""
        override = self._overrides.get(day)
        if override is not None:
            if override.kind is DayKind.working_day:
                return None
            return DayOff(day, override.name, override.kind, override.source, overridden=True)
        known = _package_days(day.year).get(day)
        if known is None:
            return None
        return DayOff(day, known[0], known[1], PACKAGE_SOURCE[known[1].value])

    def is_working_day(self, day: date, *, cuti_bersama_off: bool = True) -> bool:
        """Monday to Friday and neither a holiday nor (unless `cuti_bersama_off` is False) cuti bersama."""
        if day.weekday() >= 5:
            return self._overrides.get(day, None) is not None and self._overrides[day].kind is DayKind.working_day
        off = self.day_off(day)
        return off is None or (off.kind is DayKind.cuti_bersama and not cuti_bersama_off)

    def days_off(self, year: int) -> list[DayOff]:
        """Every weekday of the year that is not a working day, in order."""
        days = {d for d in _package_days(year) if d.weekday() < 5}
        days |= {d for d in self._overrides if d.year == year and d.weekday() < 5}
        found = (self.day_off(d) for d in sorted(days))
        return [off for off in found if off is not None]

    def working_seconds(self, start: datetime, end: datetime, *, cuti_bersama_off: bool = True) -> float:
        """Working time between two instants (0 if `end` is not after `start`)."""
        total, moment = 0.0, start.astimezone(WITA)
        end = end.astimezone(WITA)
        while moment < end:
            day_end = _next_midnight(moment)
            if self.is_working_day(moment.date(), cuti_bersama_off=cuti_bersama_off):
                total += (min(day_end, end) - moment).total_seconds()
            moment = day_end
        return total

    def add_working(self, start: datetime, seconds: float, *, cuti_bersama_off: bool = True) -> datetime:
        """The instant when `seconds` of working time have passed after `start`."""
        moment, left = start.astimezone(WITA), seconds
        while True:
            day_end = _next_midnight(moment)
            if self.is_working_day(moment.date(), cuti_bersama_off=cuti_bersama_off):
                available = (day_end - moment).total_seconds()
                if left <= available:
                    return moment + timedelta(seconds=left)
                left -= available
            moment = day_end

    def subtract_working(self, end: datetime, seconds: float, *, cuti_bersama_off: bool = True) -> datetime:
        """The instant `seconds` of working time before `end`."""
        moment, left = end.astimezone(WITA), seconds
        while True:
            day = (moment - timedelta(microseconds=1)).date()  # the day the time just before `moment` is in
            day_start = datetime.combine(day, time(), WITA)
            if self.is_working_day(day, cuti_bersama_off=cuti_bersama_off):
                available = (moment - day_start).total_seconds()
                if left <= available:
                    return moment - timedelta(seconds=left)
                left -= available
            moment = day_start


def _next_midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date() + timedelta(days=1), time(), WITA)
