"""Months and the periods a report is cut into (month, quarter, year), all in WITA."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from berjasa.time import WITA

INTERVALS = ("month", "quarter", "year")


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months(first: date, last: date) -> Iterator[date]:
    """The first days of the months from `first`'s to `last`'s, inclusive."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = add_months(month, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def start_of(day: date) -> datetime:
    """Midnight WITA at the start of a day."""
    return datetime.combine(day, time(), WITA)


@dataclass(frozen=True)
class Period:
    """A month, quarter or year, clipped to the months a report covers."""

    label: str
    first: date  # first day of its first month
    last: date  # first day of its last month

    @property
    def end(self) -> date:
        return month_end(self.last)


def periods(first: date, last: date, interval: str) -> list[Period]:
    """The periods of `interval` from month `first` to month `last` (both first days of months)."""
    found: dict[str, list[date]] = {}
    for month in months(first, last):
        found.setdefault(_label(month, interval), []).append(month)
    return [Period(label, within[0], within[-1]) for label, within in found.items()]


def _label(month: date, interval: str) -> str:
    if interval == "year":
        return f"{month.year}"
    if interval == "quarter":
        return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
    return f"{month.year}-{month.month:02d}"
