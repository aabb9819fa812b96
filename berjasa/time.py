"""Time helpers: stored in UTC, shown in WITA (Asia/Makassar, UTC+8)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")


def now_wita() -> datetime:
    return datetime.now(WITA)


def today_wita() -> date:
    return now_wita().date()


def wita_iso(moment: datetime | None) -> str | None:
    """An aware time as ISO 8601 in WITA (+08:00), as every response shows times."""
    return moment.astimezone(WITA).isoformat() if moment is not None else None
