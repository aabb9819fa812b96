"""Universal Coverage Jamsostek (UCJ): its targets and denominators are configuration (DOMAIN.md: the formula and the
national target are UNCONFIRMED). BERJASA_UCJ_CONFIG names a TOML file; without one the targets are the city's
(72.5% in 2026, 90% by 2029) and no denominator is known, so no percentage can be given.

    [targets]                 # percent of the working population, by year
    2026 = 72.5
    2029 = 90.0
    [working_population]      # per kecamatan code: people of working age who work (the denominator)
    "09" = 86000
    [covered_elsewhere]       # optional, per kecamatan: active Jamsostek participants the programme does not
    "09" = 31000              # pay for (employers' workers, other payers), from BPJS's own figures
    [city]                    # optional: the city's own figures, when they are known for the city only
    working_population = 1000000
    covered_elsewhere = 400000

UCJ of a kecamatan on a day = (participants the programme covers that day + covered_elsewhere) / working_population.
City-wide: all participants covered + the city's covered_elsewhere (else the kecamatan's, added up), over the city's
working population (else the kecamatan's added up, when every kecamatan has one; otherwise none is given).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from berjasa.registry.places import KECAMATAN

EXTENSION = "berjasa.ucj"
DEFAULT_TARGETS = {2026: 72.5, 2029: 90.0}
CODES = frozenset(code for code, _name, _confirmed in KECAMATAN)


class TargetsError(ValueError):
    """The UCJ file is missing or wrong; the message says where."""


@dataclass(frozen=True)
class CoverageTargets:
    targets: Mapping[int, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    working_population: Mapping[str, int] = field(default_factory=dict)
    covered_elsewhere: Mapping[str, int] = field(default_factory=dict)
    city: Mapping[str, int] = field(default_factory=dict)  # working_population, covered_elsewhere

    def target_for(self, day: date) -> tuple[int, float] | None:
        """The target in force on a day: that year's, or the next year's that has one (2027 works towards 2029)."""
        years = sorted(year for year in self.targets if year >= day.year)
        return (years[0], self.targets[years[0]]) if years else None


def load(path: str | None) -> CoverageTargets:
    if not path:
        return CoverageTargets()
    try:
        raw = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TargetsError(f"cannot read {path}: {exc}") from None
    unknown = sorted(set(raw) - {"targets", "working_population", "covered_elsewhere", "city"})
    if unknown:
        raise TargetsError(f"{path}: unknown table(s) {', '.join(unknown)}")
    return CoverageTargets(_targets(path, raw.get("targets", DEFAULT_TARGETS)),
                           _people(path, "working_population", raw.get("working_population", {}), minimum=1),
                           _people(path, "covered_elsewhere", raw.get("covered_elsewhere", {}), minimum=0),
                           _city(path, raw.get("city", {})))


def _targets(path: str, table: Mapping[Any, Any]) -> dict[int, float]:
    found = {}
    for year, percent in table.items():
        if not str(year).isdigit() or not 2000 <= int(year) <= 2100:
            raise TargetsError(f"{path}: targets: {year!r} is not a year from 2000 to 2100")
        if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 < percent <= 100:
            raise TargetsError(f"{path}: targets.{year}: {percent!r} is not a percentage above 0, at most 100")
        found[int(year)] = float(percent)
    return found


def _people(path: str, name: str, table: Mapping[str, Any], minimum: int) -> dict[str, int]:
    found = {}
    for code, count in table.items():
        if code not in CODES:
            raise TargetsError(f"{path}: {name}: {code!r} is not a kecamatan code (01 to 15)")
        if isinstance(count, bool) or not isinstance(count, int) or count < minimum:
            raise TargetsError(f"{path}: {name}.{code}: {count!r} is not a whole number of at least {minimum}")
        found[code] = count
    return found


def _city(path: str, table: Mapping[str, Any]) -> dict[str, int]:
    found = {}
    for name, count in table.items():
        if name not in ("working_population", "covered_elsewhere"):
            raise TargetsError(f"{path}: city: unknown setting {name!r}")
        minimum = 1 if name == "working_population" else 0
        if isinstance(count, bool) or not isinstance(count, int) or count < minimum:
            raise TargetsError(f"{path}: city.{name}: {count!r} is not a whole number of at least {minimum}")
        found[name] = count
    return found


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = load(app.config.get("UCJ_CONFIG"))


def in_force() -> CoverageTargets:
    return current_app.extensions[EXTENSION]
