"""Realistic synthetic DTSEN files (`berjasa demo dtsen`), written line by line in constant memory."""

from __future__ import annotations

import csv
import io
import random
from array import array
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from berjasa.enrolment.dtsen import COLUMNS
from berjasa.registry.enums import Cohort, Sex
from berjasa.registry.places import KECAMATAN

_AT = {column: i for i, column in enumerate(COLUMNS)}

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


# A duplicate repeats one of this many earlier valid rows (a uniform sample of all of them so far).
RESERVOIR = 1000


def generate(
    rows: int, *, invalid_share: float = 0.0, duplicate_share: float = 0.0, seed: int | None = None,
    delimiter: str = ",",
) -> Iterator[str]:
    """Yield the lines ("\\n"-terminated, header first) of a synthetic DTSEN file of `rows` data rows."""
    if rows < 0 or delimiter not in (",", ";"):
        raise ValueError("rows must be >= 0 and the delimiter ',' or ';'")
    if not (0 <= invalid_share <= 1 and 0 <= duplicate_share <= 1 and invalid_share + duplicate_share <= 1):
        raise ValueError("the shares must be between 0 and 1 and add up to at most 1")
    invalid, duplicates = round(rows * invalid_share), round(rows * duplicate_share)
    if duplicates and rows - invalid - duplicates < 1:
        raise ValueError("a duplicate needs at least one valid row to repeat")
    rng = random.Random(seed)
    return _lines(_plan(rows, invalid, duplicates, rng), rng, delimiter)


def _plan(rows: int, invalid: int, duplicates: int, rng: random.Random) -> Iterator[str]:
    """Each row's kind in a random order with exactly the counts asked for, drawn as it goes (no list of rows)."""
    left = {"invalid": invalid, "duplicate": duplicates, "valid": rows - invalid - duplicates}
    any_valid = False
    for remaining in range(rows, 0, -1):
        draw = rng.randrange(remaining)
        if draw < left["invalid"]:
            kind = "invalid"
        elif draw < left["invalid"] + left["duplicate"] and any_valid:
            kind = "duplicate"
        else:
            kind = "valid"  # (a duplicate drawn before any valid row becomes that first valid row)
        left[kind] -= 1
        any_valid = any_valid or kind == "valid"
        yield kind


def _lines(kinds: Iterator[str], rng: random.Random, delimiter: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")

    def line(fields: list[str] | tuple[str, ...]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(fields)
        return buffer.getvalue()

    yield line(COLUMNS)
    serials = _Serials()
    sample: list[list[str]] = []
    valid = defects = 0
    for kind in kinds:
        if kind == "duplicate":
            yield line(rng.choice(sample))  # the same person listed twice
            continue
        fields = _person(rng, serials)
        if kind == "invalid":
            _spoil(fields, DEFECTS[defects % len(DEFECTS)])
            defects += 1
        else:
            valid += 1
            _keep_sample(sample, fields, valid, rng)
        yield line(fields)


def _keep_sample(sample: list[list[str]], fields: list[str], seen: int, rng: random.Random) -> None:
    # Reservoir sampling: after n valid rows, each of them is in the sample with the same chance.
    if len(sample) < RESERVOIR:
        sample.append(fields)
    elif (slot := rng.randrange(seen)) < RESERVOIR:
        sample[slot] = fields


class _Serials:
    """The last NIK serial given per (kecamatan, birth date, sex): one small counter per possible NIK stem."""

    def __init__(self) -> None:
        self.days = _BORN_TO - _BORN_FROM + 1
        self.counts = array("H", bytes(2 * len(KECAMATAN) * self.days * 2))

    def next(self, kecamatan: str, born: date, sex: Sex) -> int:
        slot = ((int(kecamatan) - 1) * self.days + born.toordinal() - _BORN_FROM) * 2 + (sex is Sex.F)
        if self.counts[slot] == 9999:
            raise ValueError(f"more than 9999 people born on {born} in kecamatan {kecamatan}")
        self.counts[slot] += 1
        return self.counts[slot]


def _person(rng: random.Random, serials: _Serials) -> list[str]:
    code, kecamatan = _pick_kecamatan(rng)
    sex = rng.choice((Sex.M, Sex.F))
    born = date.fromordinal(rng.randint(_BORN_FROM, _BORN_TO))
    # The NIK was issued where the person lived then: usually, but not always, where they live now.
    issued = code if rng.random() < 0.9 else _pick_kecamatan(rng)[0]
    first = rng.choice(_MALE if sex is Sex.M else _FEMALE)
    day = born.day + (40 if sex is Sex.F else 0)
    values = {
        # The serial tells apart people of one kecamatan with one birth date: counting it up keeps NIKs unique.
        "nik": f"7371{issued}{day:02d}{born:%m%y}{serials.next(issued, born, sex):04d}",
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
    code, name, _ = rng.choice(KECAMATAN)
    return code, name


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
