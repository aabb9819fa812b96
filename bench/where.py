"""Where a request's CPU goes: cProfile (on process time) of the benchmark's mix, run in-process through the
app's WSGI interface against the benchmark's database, summed per frame and per library."""

from __future__ import annotations

import collections
import cProfile
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parents[1]) + "/"


def profile(run: Callable[[], Any], top: int = 10) -> str:
    """Run `run` under cProfile with a CPU-time clock; the `top` frames by own time, and the share per library."""
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(run)
    stats = pstats.Stats(profiler)
    own = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    total = sum(values[2] for _, values in own) or 1.0
    lines = [f"top {top} frames by own CPU time (cProfile; {total:.2f} s profiled):"]
    for (file, line, name), (_cc, calls, own_time, cumulative, _callers) in own[:top]:
        lines.append(f"  {own_time / total * 100:5.1f}%  {calls:>8} calls  cum {cumulative:6.2f}s  "
                     f"{_short(file)}:{line}({name})")
    groups: collections.Counter[str] = collections.Counter()
    for (file, _line, _name), values in own:
        groups[_library(file)] += values[2]
    lines.append("share of CPU by library: " + ", ".join(f"{name} {share / total * 100:.0f}%"
                                                        for name, share in groups.most_common(9)))
    return "\n".join(lines)


def _short(file: str) -> str:
    for marker in ("site-packages/", ROOT, "python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _library(file: str) -> str:
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/berjasa/" in file or "/workflows/" in file:
        return "berjasa"
    if file == "~":
        return "builtins"
    return "stdlib"
