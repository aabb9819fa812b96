"""Charts as server-rendered SVG (no script, works on any phone, prints): the geometry of a horizontal bar chart.
templates/macros/chart.html draws it, always next to the table of the same figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

BAR = 22  # px per bar, gap included
LABEL_WIDTH = 180
BAR_WIDTH = 320


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as the table shows it
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + 120
    label_width: int = LABEL_WIDTH


def bar_chart(title: str, items: Iterable[tuple[str, float, str]]) -> BarChart:
    """(label, value, value as shown) per bar, scaled to the largest value."""
    items = list(items)
    largest = max((value for _, value, _ in items), default=0) or 1
    bars = tuple(Bar(label, value, shown, i * BAR, BAR_WIDTH * value / largest)
                 for i, (label, value, shown) in enumerate(items))
    return BarChart(title, bars, max(BAR, len(bars) * BAR))


def time_used(clock: dict, now: datetime | None = None) -> tuple[int, str]:
    """How much of a clock's time is used (percent of started -> due, wall clock, capped at 100) and its tone:
    "late" past due, "warn" past its warning, "ok" otherwise, "done" once met or cancelled in time."""
    started, due = _moment(clock.get("started_at")), _moment(clock.get("due_at"))
    if started is None or due is None:
        return 0, "done"
    end = _moment(clock.get("stopped_at")) or now or datetime.now(UTC)
    span = (due - started).total_seconds()
    share = 100 if span <= 0 else round(100 * max(0.0, (end - started).total_seconds()) / span)
    if clock.get("late_seconds"):
        return 100, "late"
    if clock.get("state") in ("met", "cancelled"):
        return min(share, 100), "done"
    warn = _moment(clock.get("warn_at"))
    return min(share, 100), "warn" if warn is not None and end >= warn else "ok"


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
