"""Percentiles from histograms: a value is counted in the bucket of its value rounded to two significant figures
(0.5, 12, 130, 4,700 ...), so a read model keeps a count per bucket instead of every value, histograms add up
across groups and months, and a percentile read back is within 5% of the exact one.

Percentiles are nearest-rank: the p-th percentile of n values is the value at rank ceil(p/100 * n) in ascending
order (the median of four values is the second)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

#: Buckets are exponent and mantissa: (exponent + OFFSET) * 100 + mantissa (10..99); 0 holds zero (and below).
OFFSET = 20


def bucket(value: float) -> int:
    """The bucket of a value: its two significant figures, coded as one integer that sorts as the values do."""
    if value <= 0 or not math.isfinite(value):
        return 0
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10 ** (exponent - 1))
    if mantissa >= 100:  # 99.6 rounds up to 100: one exponent more
        exponent, mantissa = exponent + 1, 10
    elif mantissa < 10:  # log10 a hair under a power of ten
        exponent, mantissa = exponent - 1, round(value / 10 ** (exponent - 2))
    return (max(exponent + OFFSET, 1)) * 100 + mantissa


def value_of(code: int) -> float:
    """The value a bucket stands for (the rounded value)."""
    if code <= 0:
        return 0.0
    exponent, mantissa = code // 100 - OFFSET, code % 100
    return float(f"{mantissa}e{exponent - 1}")


def percentile(counts: Mapping[int, int], p: float) -> float | None:
    """The nearest-rank p-th percentile (0 < p <= 100) of the values counted per bucket; None when there are none."""
    code = nearest_rank(counts, p)
    return None if code is None else value_of(code)


def nearest_rank(counts: Mapping[Any, int], p: float) -> Any | None:
    """The nearest-rank p-th percentile of values given with how often each occurs; None when there are none."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return max(counts)


def merged(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """Several histograms added up."""
    total: dict[int, int] = {}
    for histogram in histograms:
        for code, count in histogram.items():
            total[code] = total.get(code, 0) + count
    return total
