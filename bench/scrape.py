"""Scrape the processes' /metrics while a benchmark runs, and sum up what they showed (bench/events.py --metrics)."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterable

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset], float]


def scrape(url: str, token: str | None = None) -> Samples:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def quantile(samples: Samples, name: str, share: float, **labels: str) -> float:
    """The upper bound of the histogram bucket holding the `share` quantile (summed over other labels)."""
    buckets: dict[float, float] = {}
    wanted = set(labels.items())
    for (n, ls), v in samples.items():
        if n == f"{name}_bucket" and wanted <= ls:
            le = float(dict(ls)["le"])
            buckets[le] = buckets.get(le, 0.0) + v
    count = buckets.get(float("inf"), 0.0)
    for le in sorted(buckets):
        if count and buckets[le] >= share * count:
            return le
    return float("nan")


class Scraper(threading.Thread):
    """Every `every` seconds, scrape each (name, url, token); keep every scrape and any failure."""

    def __init__(self, targets: Iterable[tuple[str, str, str | None]], every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.targets, self.every = list(targets), every
        self.stopping = threading.Event()
        self.scrapes: dict[str, list[Samples]] = {name: [] for name, _, _ in self.targets}
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            self.once()

    def once(self) -> None:
        for name, url, token in self.targets:
            try:
                self.scrapes[name].append(scrape(url, token))
            except OSError as exc:
                self.failures.append(f"{name}: {exc}")

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
        self.once()  # the last word: every process's figures after the run

    def peak(self, target: str, name: str, **labels: str) -> float:
        return max((total(s, name, **labels) for s in self.scrapes[target]), default=0.0)

    def last(self, target: str) -> Samples:
        return self.scrapes[target][-1] if self.scrapes[target] else {}
