import csv
import dataclasses
import io
import re
from collections import Counter
from datetime import date
from importlib import resources

import pytest

from berjasa.enrolment.dtsen import COLUMNS, REQUIRED, Row, read
from berjasa.enrolment.dtsen_demo import generate
from berjasa.imports.csvfile import FileRefused, RowError
from berjasa.registry.enums import Cohort, Sex
from berjasa.registry.nik import parse_nik

NOT_RUPIAH = "must be whole rupiah: digits, optionally with '.', ',' or spaces between thousands"
COHORTS = "one of rt_rw, non_asn, posyandu_kb_cadre, religious_worker, election_organiser, informal"
VALID = {
    "nik": "7371095708900001", "name": "Sitti Rahmawati", "sex": "F", "birth_date": "1990-08-17",
    "phone": "0812-3456-7890", "address": "Jl. Sultan Alauddin No. 5, RT 002/RW 003", "kecamatan": "Panakkukang",
    "kelurahan": "Pandang", "cohort": "informal", "has_disability": "0", "decile": "2",
    "decile_snapshot": "2025-10-01", "declared_income": "1000000",
}
VALID_ROW = Row(
    number=2, nik="7371095708900001", name="Sitti Rahmawati", sex=Sex.F, birth_date=date(1990, 8, 17),
    phone="081234567890", address="Jl. Sultan Alauddin No. 5, RT 002/RW 003", kecamatan_code="09",
    kelurahan="Pandang", cohort=Cohort.informal, has_disability=False, decile=2, decile_snapshot=date(2025, 10, 1),
    declared_income=1_000_000, flags=(),
)


def csv_file(*rows: dict[str, str], header=COLUMNS, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in rows)
    return out.getvalue().encode()


def data_line(**changes: str) -> str:
    """The line after the header, in the file's own quoting, with its end of line."""
    return csv_file({**VALID, **changes}).decode().split("\n", 1)[1]


def one(**changes: str) -> Row | list[RowError]:
    [result] = read(csv_file({**VALID, **changes}))
    return result


def refusal(data: bytes) -> dict[str, list[str]]:
    with pytest.raises(FileRefused) as caught:
        read(data)  # refused at once, before the first row is asked for
    return caught.value.errors


# ---------------------------------------------------------------------------------------------------- rows


def test_a_valid_line_reads_as_a_row():
    assert one() == VALID_ROW


def test_row_fields_follow_the_columns():
    # read() builds a Row positionally from the columns: keep the two in step.
    names = [field.name for field in dataclasses.fields(Row)]
    assert names == ["number", *[("kecamatan_code" if c == "kecamatan" else c) for c in COLUMNS], "flags"]


def test_a_woman_s_nik_carries_day_plus_forty():
    row = one(nik="7371094102850007", sex="F", birth_date="1985-02-01")
    assert (row.nik, row.sex, row.birth_date, row.flags) == ("7371094102850007", Sex.F, date(1985, 2, 1), ())


def test_mismatches_with_the_nik_are_flags_not_errors():
    assert one(birth_date="1990-08-18").flags == ("nik_birth_date_mismatch",)
    assert one(sex="M").flags == ("nik_sex_mismatch",)
    assert one(sex="M", birth_date="1991-08-17").flags == ("nik_birth_date_mismatch", "nik_sex_mismatch")


def test_a_nik_issued_outside_makassar_is_neither_refused_nor_flagged():
    row = one(nik="3171015708900002")
    assert (row.nik, row.kecamatan_code, row.flags) == ("3171015708900002", "09", ())


def test_bom_semicolons_free_order_and_header_case_are_read():
    text = (
        "\ufeff Cohort ;NIK;Name;SEX;Birth_Date;Kecamatan;Decile;Decile_Snapshot;Declared_Income\r\n"
        "rt_rw;7371091708900001;Baso Rahman;L;17/08/1990;Tallo;1;01-10-2025;1.500.000\r\n"
        "\r\n"
        "non_asn;7371125503700001;\"Nurul; Hasanah\";p;1970-03-15;12;3;2025-10-01;\r\n"
    )
    assert list(read(text.encode())) == [
        Row(number=2, nik="7371091708900001", name="Baso Rahman", sex=Sex.M, birth_date=date(1990, 8, 17),
            phone=None, address=None, kecamatan_code="07", kelurahan=None, cohort=Cohort.rt_rw,
            has_disability=False, decile=1, decile_snapshot=date(2025, 10, 1), declared_income=1_500_000, flags=()),
        Row(number=4, nik="7371125503700001", name="Nurul; Hasanah", sex=Sex.F, birth_date=date(1970, 3, 15),
            phone=None, address=None, kecamatan_code="12", kelurahan=None, cohort=Cohort.non_asn,
            has_disability=False, decile=3, decile_snapshot=date(2025, 10, 1), declared_income=None, flags=()),
    ]


@pytest.mark.parametrize(("given", "sex"), [
    ("M", Sex.M), ("m", Sex.M), ("L", Sex.M), ("l", Sex.M), (" L ", Sex.M), ("Laki-laki", Sex.M),
    ("F", Sex.F), ("f", Sex.F), ("P", Sex.F), ("p", Sex.F), ("PEREMPUAN", Sex.F),
])
def test_sex_is_m_f_l_or_p_in_any_case(given, sex):
    assert one(sex=given).sex is sex


@pytest.mark.parametrize("given", [
    "9", "09", " 09 ", "73.71.09", "737109", "73 71 09", "Panakkukang", "panakkukang", "PANAKKUKANG",
    "Kec. Panakkukang", "Kecamatan Panakkukang",
])
def test_kecamatan_by_code_or_name(given):
    assert one(kecamatan=given).kecamatan_code == "09"


def test_kecamatan_names_compare_on_letters():
    assert one(kecamatan="ujung pandang").kecamatan_code == "04"
    assert one(kecamatan="UjungPandang").kecamatan_code == "04"
    assert one(kecamatan="Kepulauan Sangkarrang").kecamatan_code == "15"


@pytest.mark.parametrize("given", ["16", "0", "73.72.09", "737209", "Gowa", "7371.09"])
def test_an_unknown_kecamatan_is_an_error(given):
    assert one(kecamatan=given) == [RowError(
        2, "kecamatan", f"unknown kecamatan {given!r}; a code 01..15 (or 73.71.xx) or a name such as Tallo"
    )]


@pytest.mark.parametrize(("given", "value"), [
    ("", False), ("0", False), ("1", True), ("TRUE", True), ("false", False), ("Ya", True), ("tidak", False),
    ("y", True), ("N", False), ("yes", True), ("No", False),
])
def test_disability_yes_or_no(given, value):
    assert one(has_disability=given).has_disability is value


@pytest.mark.parametrize("given", ["1990-08-17", "17/08/1990", "17-08-1990", "1990-8-17", "17/8/1990", " 1990-08-17 "])
def test_date_formats(given):
    assert one(birth_date=given).birth_date == date(1990, 8, 17)


@pytest.mark.parametrize(("given", "amount"), [
    ("1000000", 1_000_000), ("1.000.000", 1_000_000), ("1,000,000", 1_000_000), ("1 000 000", 1_000_000),
    ("750.000", 750_000), ("0", 0), ("", None), ("  ", None),
])
def test_declared_income_in_whole_rupiah(given, amount):
    assert one(declared_income=given).declared_income == amount


@pytest.mark.parametrize(("column", "given", "reason"), [
    ("declared_income", "-5", "must not be negative"),
    ("declared_income", "1.000.000,00", NOT_RUPIAH),
    ("declared_income", "1.5", NOT_RUPIAH),
    ("declared_income", "1.000,000", NOT_RUPIAH),
    ("declared_income", "Rp 1.000.000", NOT_RUPIAH),
    ("declared_income", "9" * 13, "must be at most 999,999,999,999"),
    ("declared_income", "9" * 5000, "must be at most 999,999,999,999"),
    ("nik", "", "is required"),
    ("nik", "737109570890001", "must be 16 digits"),
    ("nik", "7371095708900001A", "must contain only digits"),
    ("nik", "9971095708900001", "unknown province/regency code 9971"),
    ("nik", "7371093208900001", "the birth date encoded in the NIK is not a valid date"),
    ("name", "", "is required"),
    ("name", "   ", "is required"),
    ("name", "x" * 201, "is longer than 200 characters"),
    ("sex", "", "is required"),
    ("sex", "X", "unknown sex 'X'; one of M, F (or L, P)"),
    ("birth_date", "", "is required"),
    ("birth_date", "1990-02-30", "'1990-02-30' is not a valid date"),
    ("birth_date", "31/04/1990", "'31/04/1990' is not a valid date"),
    ("birth_date", "08/17/90", "must be a date as YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY"),
    ("birth_date", "17 Agustus 1990", "must be a date as YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY"),
    ("birth_date", "1890-08-17", "is before 1900"),
    ("birth_date", "2990-08-17", "is in the future"),
    ("phone", "0812", "must have 8 to 16 digits"),
    ("phone", "+62 812 3456 7890 12345", "must have 8 to 16 digits"),
    ("phone", "0812/3456", "may contain only digits, spaces, '-' and a leading '+'"),
    ("phone", "0812+3456789", "may contain only digits, spaces, '-' and a leading '+'"),
    ("address", "x" * 301, "is longer than 300 characters"),
    ("kecamatan", "", "is required"),
    ("kelurahan", "x" * 101, "is longer than 100 characters"),
    ("cohort", "", "is required"),
    ("cohort", "petani", f"unknown cohort 'petani'; {COHORTS}"),
    ("has_disability", "maybe", "unknown value 'maybe'; one of 1/0, ya/tidak, yes/no, y/n, true/false"),
    ("decile", "", "is required"),
    ("decile", "0", "must be a whole number from 1 to 10, not '0'"),
    ("decile", "11", "must be a whole number from 1 to 10, not '11'"),
    ("decile", "2.0", "must be a whole number from 1 to 10, not '2.0'"),
    ("decile_snapshot", "", "is required"),
    ("decile_snapshot", "2999-01-01", "is in the future"),
])
def test_each_column_s_errors(column, given, reason):
    assert one(**{column: given}) == [RowError(2, column, reason)]


def test_a_long_value_is_shortened_in_the_reason():
    [error] = one(cohort="p" * 100)
    assert error.reason == f"unknown cohort '{'p' * 40}…'; {COHORTS}"


def test_phone_is_stored_compact():
    assert one(phone="+62 812-3456-7890").phone == "+6281234567890"
    assert one(phone="").phone is None


def test_cohort_by_value_in_any_case_and_spelling():
    assert one(cohort="INFORMAL").cohort is Cohort.informal
    assert one(cohort="RT/RW").cohort is Cohort.rt_rw
    assert one(cohort="non-ASN").cohort is Cohort.non_asn


def test_text_is_trimmed_and_empty_is_none():
    row = one(name="  Sitti   Rahmawati ", address=" ", kelurahan="")
    assert (row.name, row.address, row.kelurahan) == ("Sitti Rahmawati", None, None)


def test_all_of_a_line_s_errors_are_reported_in_column_order():
    assert one(nik="123", sex="X", cohort="petani", decile="11") == [
        RowError(2, "nik", "must be 16 digits"),
        RowError(2, "sex", "unknown sex 'X'; one of M, F (or L, P)"),
        RowError(2, "cohort", f"unknown cohort 'petani'; {COHORTS}"),
        RowError(2, "decile", "must be a whole number from 1 to 10, not '11'"),
    ]


def test_a_repeated_nik_reads_as_a_row_each_time():
    # Refusing the second one is the import engine's job (tests/enrolment/test_imports.py): it remembers the
    # file's NIKs in the database, so that memory does not grow with the file.
    results = list(read(csv_file(VALID, {**VALID, "name": "Sitti R."})))
    assert results == [VALID_ROW, dataclasses.replace(VALID_ROW, number=3, name="Sitti R.")]


def test_lines_are_numbered_as_in_the_file():
    text = csv_file(VALID).decode() + "\n  \n,,,,\n"
    text += data_line(nik="7371091708900001", sex="M", address="Jl. Veteran\nNo. 5")
    text += data_line(nik="7371091708900002", sex="M")
    results = list(read(text.encode()))
    assert [(r.number, r.address) for r in results] == [
        (2, VALID_ROW.address), (6, "Jl. Veteran No. 5"), (8, VALID_ROW.address),
    ]


def test_a_line_with_the_wrong_number_of_fields_is_an_error():
    good = data_line().rstrip("\n")
    text = "\n".join([",".join(COLUMNS), good + ",,", good + ",extra", "7371095708900001,Sitti", ""])
    results = list(read(text.encode()))
    assert isinstance(results[0], Row)
    assert results[1:] == [
        [RowError(3, "line", "has 14 fields, the header has 13")],
        [RowError(4, "line", "has 2 fields, the header has 13")],
    ]


def test_optional_columns_may_be_absent():
    header = sorted(REQUIRED)
    [row] = read(csv_file(VALID, header=header))
    assert row == dataclasses.replace(VALID_ROW, phone=None, address=None, kelurahan=None, declared_income=None)


# ---------------------------------------------------------------------------------------------------- whole file


def test_header_problems_refuse_the_file():
    header = [c for c in COLUMNS if c != "cohort"] + ["Colour"]
    assert refusal(csv_file(VALID, header=header)) == {"header": ["missing column: cohort", "unknown column: colour"]}


def test_a_repeated_or_unnamed_column_refuses_the_file():
    assert refusal(csv_file(header=[*COLUMNS, "NIK"])) == {"header": ["duplicate column: nik"]}
    assert refusal(csv_file(header=["nik", "", *COLUMNS[1:]])) == {"header": ["column 2 has no name"]}


def test_trailing_empty_header_cells_are_ignored():
    text = ",".join(COLUMNS) + ",,\n" + data_line().rstrip("\n") + ",,\n"
    assert list(read(text.encode())) == [VALID_ROW]


def test_a_file_without_a_header_is_refused():
    data = b"\n".join(csv_file(VALID, VALID).splitlines()[1:])
    assert refusal(data) == {"header": [
        "no header line: the first line must name the columns (" + ", ".join(COLUMNS) + ")"
    ]}


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00", b"PK\x03\x04\x14\x00\x06\x00", b"nik\x00,name\n"])
def test_binary_bytes_are_refused(data):
    assert refusal(data) == {"file": ["not UTF-8 text (binary file?)"]}


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_an_empty_file_is_refused(data):
    assert refusal(data) == {"file": ["empty file"]}


def test_a_file_of_empty_cells_has_no_header():
    assert refusal(b";;;\n;;;\n") == {"file": ["no header line"]}


def test_the_refusal_reason_sums_up_the_errors():
    with pytest.raises(FileRefused) as caught:
        read(csv_file(header=["nik", "name"]))
    assert caught.value.reason == (
        "missing column: sex; missing column: birth_date; missing column: kecamatan; missing column: cohort; "
        "missing column: decile; missing column: decile_snapshot"
    )


def test_a_header_only_file_has_no_rows():
    assert list(read(csv_file())) == []


# ---------------------------------------------------------------------------------------------------- generator


def test_the_generator_is_deterministic_for_a_seed():
    first = list(generate(50, invalid_share=0.1, duplicate_share=0.1, seed=3))
    assert first == list(generate(50, invalid_share=0.1, duplicate_share=0.1, seed=3))
    assert first != list(generate(50, invalid_share=0.1, duplicate_share=0.1, seed=4))
    assert len(first) == 51 and first[0] == ",".join(COLUMNS) + "\n"
    assert all(line.endswith("\n") for line in first)


def test_generated_rows_are_valid_makassar_people():
    rows = list(read("".join(generate(500, seed=11)).encode()))
    assert len(rows) == 500 and all(isinstance(row, Row) for row in rows)
    assert len({row.nik for row in rows}) == 500
    for row in rows:
        info = parse_nik(row.nik)
        assert row.nik[:4] == "7371" and 1 <= int(row.nik[4:6]) <= 15
        assert (info.birth_date, info.sex, row.flags) == (row.birth_date, row.sex, ())
        assert date(1960, 1, 1) <= row.birth_date <= date(2005, 12, 31)
        assert row.decile_snapshot == date(2025, 10, 1) and 1 <= row.decile <= 10
    assert {row.kecamatan_code for row in rows} == {f"{code:02d}" for code in range(1, 16)}
    assert Counter(row.cohort for row in rows).most_common(1)[0][0] is Cohort.informal
    assert sum(row.decile <= 4 for row in rows) > 400
    assert Counter(row.declared_income for row in rows).most_common(1)[0][0] == 1_000_000
    assert 0 < sum(row.has_disability for row in rows) < 50
    assert {row.sex for row in rows} == {Sex.M, Sex.F}


def test_each_defect_is_reported_in_its_column():
    results = list(read("".join(generate(10, invalid_share=1.0, seed=5)).encode()))
    # The impossible birth date keeps the person's year: 30 February of it.
    reasons = [[(e.column, re.sub(r"^'\d{4}-02-30'", "'YYYY-02-30'", e.reason)) for e in errors] for errors in results]
    assert reasons == 2 * [
        [("nik", "must be 16 digits")],
        [("cohort", f"unknown cohort 'petani'; {COHORTS}")],
        [("birth_date", "'YYYY-02-30' is not a valid date")],
        [("decile", "must be a whole number from 1 to 10, not '11'")],
        [("name", "is required")],
    ]


def test_semicolon_files_are_generated_too():
    lines = list(generate(5, seed=2, delimiter=";"))
    assert lines[0] == ";".join(COLUMNS) + "\n"
    assert all(isinstance(row, Row) for row in read("".join(lines).encode()))


def test_a_generated_file_reads_back_with_the_expected_counts():
    results = list(read("".join(generate(2000, invalid_share=0.1, duplicate_share=0.05, seed=1)).encode()))
    rows = [r for r in results if isinstance(r, Row)]
    errors = [r for r in results if isinstance(r, list)]
    assert (len(results), len(rows), len(errors)) == (2000, 1800, 200)
    assert all(len(line_errors) == 1 for line_errors in errors)
    columns = Counter(line_errors[0].column for line_errors in errors)
    assert columns == {"nik": 40, "cohort": 40, "birth_date": 40, "decile": 40, "name": 40}
    # 100 lines repeat an earlier valid line: the same person listed twice.
    first = {}
    for row in rows:
        first.setdefault(row.nik, row)
    repeats = [row for row in rows if first[row.nik] is not row]
    assert len(repeats) == 100 and len(first) == 1700
    assert all(dataclasses.replace(first[row.nik], number=row.number) == row for row in repeats)


def test_the_generator_streams_in_constant_memory():
    import tracemalloc

    def peak(rows: int) -> int:
        tracemalloc.start()
        for _line in generate(rows, invalid_share=0.01, duplicate_share=0.05, seed=3):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    # Ten times the rows, about the same memory (a file of 40,000 rows would be 6 MB held as text alone).
    small, large = peak(4_000), peak(40_000)
    assert large < small + 1_000_000, (small, large)


def test_the_generator_checks_its_arguments():
    with pytest.raises(ValueError):
        generate(10, invalid_share=0.6, duplicate_share=0.5)
    with pytest.raises(ValueError):
        generate(10, duplicate_share=1.0)
    with pytest.raises(ValueError):
        generate(10, delimiter="\t")
    with pytest.raises(ValueError):
        generate(-1)
    assert list(generate(0)) == [",".join(COLUMNS) + "\n"]


def test_the_sample_file_is_the_generator_s_output():
    sample = resources.files("berjasa.enrolment").joinpath("sample_dtsen.csv").read_text(encoding="utf-8")
    assert sample == "".join(generate(20, invalid_share=0.1, duplicate_share=0.05, seed=7))
    results = list(read(sample.encode()))
    assert sum(isinstance(r, Row) for r in results) == 18  # 2 invalid lines; 1 of the 18 repeats another
