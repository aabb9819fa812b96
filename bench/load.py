"""HTTP load for the benchmarks: keep-alive clients in threads, throughput, latencies, and the server's CPU."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from procs import tree_cpu_seconds


class Client:
    """One keep-alive HTTP connection with a bearer token."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body=None):
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return response.status, json.loads(data or b"null"), time.perf_counter() - started


@dataclass
class Load:
    """What one load run measured."""

    requests_per_second: float
    latencies: list[float]
    errors: list = field(default_factory=list)
    server_cpu_ms: float = 0.0  # the server's CPU (user + system, its whole process tree) per request

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 0.50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 0.99) * 1000


Flow = Callable[[Client, Client, list, list], None]


def run_load(port: int, tokens: tuple[str, str], clients: int, flow: Flow, seconds: float,
             server_pid: int | None = None) -> Load:
    """`clients` threads repeating `flow(first, second, latencies, errors)` for `seconds`."""
    latencies: list[float] = []
    errors: list = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        first, second = Client(port, tokens[0]), Client(port, tokens[1])
        mine: list[float] = []
        while time.monotonic() < stop_at:
            flow(first, second, mine, errors)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    cpu_before = tree_cpu_seconds(server_pid) if server_pid else 0.0
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cpu = (tree_cpu_seconds(server_pid) - cpu_before) if server_pid else 0.0
    return Load(len(latencies) / elapsed, latencies, errors, cpu * 1000 / max(1, len(latencies)))


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0
