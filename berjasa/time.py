"""Time helpers: stored in UTC, shown in WITA (Asia/Makassar, UTC+8)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")


def now_wita() -> datetime:
    return datetime.now(WITA)


def today_wita() -> date:
    return now_wita().date()
