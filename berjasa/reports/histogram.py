"""Percentiles from histograms: a read model keeps a count per bucket instead of every value, histograms add up
across groups and months, and a percentile is read back from the buckets, in the database.

Two kinds of bucket:
- `bucket(value)`: the value rounded to two significant figures (0.25, 12, 130, 4,700 ...), coded as one integer
  that sorts as the values do; within 5% of the value. For durations in days.
- `percent_bucket(pct)`: a share of a target in whole percent, to the nearest 5 below 200, the nearest 25 below
  1,000, and 1,000 for anything above (halves up). For the time an SLA clock used against its target.

Percentiles are nearest-rank: the p-th percentile of n values is the value at rank ceil(p/100 * n) in ascending
order (the median of four values is the second)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

#: Two-significant-figure buckets are exponent and mantissa: (exponent + OFFSET) * 100 + mantissa (10..99); 0 holds
#: zero (and below).
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
    """The value a two-significant-figure bucket stands for (the rounded value)."""
    if code <= 0:
        return 0.0
    exponent, mantissa = code // 100 - OFFSET, code % 100
    return float(f"{mantissa}e{exponent - 1}")


def percent_bucket(pct: float) -> int:
    """A share of a target, in percent, as its bucket (which is also the value it stands for)."""
    if not math.isfinite(pct) or pct >= 1000:
        return 1000
    step = 5 if pct < 200 else 25
    return max(0, math.floor(pct / step + 0.5) * step)


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


def percentile_query(source: sa.Select, groups: Sequence[str], ps: Iterable[int]) -> sa.Select:
    """For `source`, a select of the group columns, `bucket` and `n` (a count), summed as it likes: per group, the
    nearest-rank percentiles `ps` (whole percent) of the buckets as columns `p<p>`, and the count as `n`. Window
    functions and aggregate CASEs: PostgreSQL and SQLite alike."""
    summed = source.subquery("summed")
    partition = [summed.c[g] for g in groups]
    ranked = sa.select(*partition, summed.c.bucket,
                       sa.func.sum(summed.c.n).over(partition_by=partition, order_by=summed.c.bucket).label("upto"),
                       sa.func.sum(summed.c.n).over(partition_by=partition).label("total")).subquery("ranked")
    grouped = [ranked.c[g] for g in groups]
    # the smallest bucket whose running count reaches the rank: upto >= ceil(p * total / 100), i.e. 100 * upto >=
    # p * total in whole numbers
    picks = [sa.func.min(sa.case((ranked.c.upto * 100 >= ranked.c.total * p, ranked.c.bucket))).label(f"p{p}")
             for p in ps]
    return sa.select(*grouped, *picks, sa.func.max(ranked.c.total).label("n")).group_by(*grouped)
