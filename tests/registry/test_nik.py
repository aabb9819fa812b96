from datetime import date

import pytest
from stdnum.id import nik as stdnum_nik

from berjasa.registry.enums import Sex
from berjasa.registry.nik import NikError, NikInfo, parse_nik, review_flags

TODAY = date(2026, 11, 21)


def test_a_man_s_nik_gives_his_birth_date_sex_and_region():
    assert parse_nik("7371091708900001", today=TODAY) == NikInfo(
        nik="7371091708900001", birth_date=date(1990, 8, 17), sex=Sex.M, region="7371"
    )


def test_a_woman_s_nik_has_forty_added_to_the_day():
    info = parse_nik("7371095708900001", today=TODAY)
    assert (info.birth_date, info.sex) == (date(1990, 8, 17), Sex.F)
    assert parse_nik("7371097112900001", today=TODAY).birth_date == date(1990, 12, 31)


def test_spaces_dots_and_dashes_are_separators():
    assert parse_nik(" 73.71.09-570890 0001 ", today=TODAY).nik == "7371095708900001"


def test_the_century_is_the_latest_that_is_not_in_the_future():
    assert parse_nik("7371091503050001", today=TODAY).birth_date == date(2005, 3, 15)
    assert parse_nik("7371091503650001", today=TODAY).birth_date == date(1965, 3, 15)
    assert parse_nik("7371091511260001", today=TODAY).birth_date == date(2026, 11, 15)
    assert parse_nik("7371092511260001", today=TODAY).birth_date == date(1926, 11, 25)
    assert parse_nik("7371092902000001", today=TODAY).birth_date == date(2000, 2, 29)
    assert parse_nik("7371091503050001", today=date(2004, 1, 1)).birth_date == date(1905, 3, 15)


def test_a_nik_issued_outside_makassar_is_accepted():
    info = parse_nik("3171011708450001", today=TODAY)
    assert (info.region, info.birth_date, info.sex) == ("3171", date(1945, 8, 17), Sex.M)
    assert review_flags(info, birth_date=date(1945, 8, 17), sex=Sex.M) == []


def test_only_the_province_is_checked_as_stdnum_does():
    # stdnum's regency table stops around 2012: Buton Tengah (74.14, created 2014) is missing from it, and
    # its people have NIKs all the same.
    assert parse_nik("7414011708900001", today=TODAY).region == "7414"


@pytest.mark.parametrize(("raw", "reason"), [
    ("", "is required"),
    ("  ", "is required"),
    ("7371O91708900001", "must contain only digits"),
    ("7371091708900001x", "must contain only digits"),
    ("737109170890001", "must be 16 digits"),
    ("73710917089000011", "must be 16 digits"),
    ("9971011708450001", "unknown province/regency code 9971"),
    ("0071091708900001", "unknown province/regency code 0071"),
    ("7371090008900001", "the birth date encoded in the NIK is not a valid date"),
    ("7371093208900001", "the birth date encoded in the NIK is not a valid date"),
    ("7371094008900001", "the birth date encoded in the NIK is not a valid date"),
    ("7371097208900001", "the birth date encoded in the NIK is not a valid date"),
    ("7371098508900001", "the birth date encoded in the NIK is not a valid date"),
    ("7371091713900001", "the birth date encoded in the NIK is not a valid date"),
    ("7371093002900001", "the birth date encoded in the NIK is not a valid date"),
    ("7371092902010001", "the birth date encoded in the NIK is not a valid date"),
])
def test_an_invalid_nik_is_refused_with_the_reason(raw, reason):
    with pytest.raises(NikError) as caught:
        parse_nik(raw, today=TODAY)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError) and str(caught.value) == reason


def test_the_date_rule_is_stdnum_s_except_for_days_81_to_99():
    # parse_nik writes stdnum's date check out for speed: it must agree on every DDMMYY but the days that
    # stdnum wrongly reads modulo 40.
    for day in range(100):
        for month in range(14):
            for year in (0, 1, 4, 90):
                number = f"737109{day:02d}{month:02d}{year:02d}0001"
                expected = stdnum_nik.is_valid(number) and day <= 80
                try:
                    info = parse_nik(number, today=TODAY)
                except NikError:
                    assert not expected, number
                    continue
                assert expected, number
                decoded = stdnum_nik.get_birth_date(number)
                assert (info.birth_date.day, info.birth_date.month, info.birth_date.year % 100) == (
                    decoded.day, decoded.month, decoded.year % 100
                )


def test_parse_nik_defaults_to_today_in_makassar():
    assert parse_nik("7371091708900001").birth_date == date(1990, 8, 17)


@pytest.fixture
def woman():
    return parse_nik("7371095708900001", today=TODAY)


def test_no_flags_when_the_stated_facts_agree(woman):
    assert review_flags(woman, birth_date=date(1990, 8, 17), sex=Sex.F) == []
    assert review_flags(woman, birth_date=None, sex=None) == []


def test_a_different_birth_date_is_flagged(woman):
    assert review_flags(woman, birth_date=date(1990, 8, 18), sex=Sex.F) == ["nik_birth_date_mismatch"]
    assert review_flags(woman, birth_date=date(1990, 9, 17), sex=None) == ["nik_birth_date_mismatch"]
    assert review_flags(woman, birth_date=date(1991, 8, 17), sex=None) == ["nik_birth_date_mismatch"]


def test_only_two_year_digits_are_compared(woman):
    assert review_flags(woman, birth_date=date(1890, 8, 17), sex=Sex.F) == []


def test_a_different_sex_is_flagged(woman):
    assert review_flags(woman, birth_date=date(1990, 8, 17), sex=Sex.M) == ["nik_sex_mismatch"]


def test_both_mismatches_are_flagged(woman):
    assert review_flags(woman, birth_date=date(1980, 1, 1), sex=Sex.M) == [
        "nik_birth_date_mismatch", "nik_sex_mismatch"
    ]
