"""The working-day calendar: the 2026 decree, working time across cuti bersama, and the city's overrides."""

from datetime import date, datetime

import pytest

from workflows.calendar import WITA, Calendar, DayKind, Override

DAY = 86400
# SKB 3 Menteri 2026: 17 national holidays and 8 cuti bersama (DOMAIN.md, "Working days")
HOLIDAYS_2026 = ["2026-01-01", "2026-01-16", "2026-02-17", "2026-03-19", "2026-03-21", "2026-03-22", "2026-04-03",
                 "2026-04-05", "2026-05-01", "2026-05-14", "2026-05-27", "2026-05-31", "2026-06-01", "2026-06-16",
                 "2026-08-17", "2026-08-25", "2026-12-25"]
CUTI_BERSAMA_2026 = ["2026-02-16", "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24", "2026-05-15",
                     "2026-05-28", "2026-12-24"]


def wita(*args) -> datetime:
    return datetime(*args, tzinfo=WITA)


def test_the_2026_decree_every_weekday_off_with_its_kind():
    days = Calendar().days_off(2026)
    weekdays = [d for d in HOLIDAYS_2026 + CUTI_BERSAMA_2026 if date.fromisoformat(d).weekday() < 5]
    assert sorted(d.day.isoformat() for d in days) == sorted(weekdays)
    assert len(HOLIDAYS_2026) == 17 and len(CUTI_BERSAMA_2026) == 8 and len(days) == 21  # 4 fall on a weekend
    kinds = {d.day.isoformat(): d.kind for d in days}
    assert {day for day, kind in kinds.items() if kind is DayKind.cuti_bersama} == set(CUTI_BERSAMA_2026)
    named = {d.day.isoformat(): d.name for d in days}
    assert named["2026-08-17"] == "Hari Kemerdekaan Republik Indonesia"
    assert named["2026-03-23"] == "Cuti Bersama Hari Raya Idul Fitri"


@pytest.mark.parametrize(("day", "working", "working_if_cuti_counts"), [
    ("2026-03-17", True, True),    # Tuesday
    ("2026-03-18", False, True),   # cuti bersama (Nyepi)
    ("2026-03-19", False, False),  # Nyepi
    ("2026-03-21", False, False),  # Saturday (and Idul Fitri)
    ("2026-03-25", True, True),
])
def test_working_days(day, working, working_if_cuti_counts):
    calendar = Calendar()
    assert calendar.is_working_day(date.fromisoformat(day)) is working
    assert calendar.is_working_day(date.fromisoformat(day), cuti_bersama_off=False) is working_if_cuti_counts


def test_fourteen_working_days_across_idul_fitri():
    calendar = Calendar()
    start = wita(2026, 3, 17, 10, 0)
    # 14 h left of Tue 17 Mar; 18-24 Mar are Nyepi, Idul Fitri and their cuti bersama; Good Friday 3 Apr is off:
    # 25, 26, 27, 30, 31 Mar, 1, 2, 6, 7, 8, 9, 10, 13 Apr are 13 whole days, then 10 h of 14 Apr
    assert calendar.add_working(start, 14 * DAY) == wita(2026, 4, 14, 10, 0)
    assert calendar.subtract_working(wita(2026, 4, 14, 10, 0), 14 * DAY) == start
    assert calendar.working_seconds(start, wita(2026, 4, 14, 10, 0)) == 14 * DAY
    # if cuti bersama counted as working days (a hospital's clock), 18, 20, 23, 24 Mar are working
    assert calendar.add_working(start, 14 * DAY, cuti_bersama_off=False) == wita(2026, 4, 8, 10, 0)


def test_a_clock_started_on_a_weekend_counts_from_monday():
    calendar = Calendar()
    assert calendar.add_working(wita(2026, 7, 11, 15, 30), DAY) == wita(2026, 7, 14, 0, 0)  # Sat -> end of Mon
    assert calendar.working_seconds(wita(2026, 7, 10, 12, 0), wita(2026, 7, 13, 6, 0)) == 18 * 3600


def test_overrides_add_a_local_holiday_and_declare_a_working_day():
    calendar = Calendar([Override(date(2026, 7, 14), DayKind.holiday, "Hari Jadi (test)", "SK Wali Kota 1/2026"),
                         Override(date(2026, 3, 24), DayKind.working_day, "Kantor buka", "SE Sekda 2/2026")])
    off = calendar.day_off(date(2026, 7, 14))
    assert (off.name, off.kind, off.source, off.overridden) == ("Hari Jadi (test)", DayKind.holiday,
                                                               "SK Wali Kota 1/2026", True)
    assert calendar.is_working_day(date(2026, 3, 24)) is True
    assert date(2026, 3, 24) not in {d.day for d in calendar.days_off(2026)}
    assert calendar.add_working(wita(2026, 7, 13, 9, 0), DAY) == wita(2026, 7, 15, 9, 0)
