"""Cost of one workflow transition: the engine's `decide` (candidates and guards) and `fire` on the shared
transitions.Machine, against a plain dict transition table doing the same checks (the limit, measured in
the same run).

    .venv/bin/python bench/engine.py [--rounds 20000]

Target: under 50 µs per transition."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflows.roles import Role  # noqa: E402
from workflows.sample import WORKFLOW, SampleFacts, SampleState  # noqa: E402

TARGET_US = 50.0
# one full round: open -> in_review -> in_review -> approved -> closed
STEPS = [("submit", Role.CASEWORKER, None), ("comment", Role.BPJS_OFFICER, {"note": "ok"}),
         ("approve", Role.SUPERVISOR, {"amount": 1000}), ("close", Role.CASEWORKER, None)]
PLAIN = {(s, t.trigger): t for t in WORKFLOW.transitions for s in t.source}
FACTS = SampleFacts()


def plain_fire(case, trigger, role, data):
    row = PLAIN.get((case.state, trigger))
    if row is None:
        raise LookupError(trigger)
    if role not in row.roles:
        raise PermissionError(role)
    for name in row.guards:
        if WORKFLOW.guards[name](case, data or {}, FACTS) is not None:
            raise ValueError(name)
    case.state = row.dest


def engine_fire(case, trigger, role, data):
    WORKFLOW.fire(case, WORKFLOW.decide(case, trigger, role, data, FACTS))


def measure(fire, rounds: int) -> float:
    """µs per transition, best of five runs."""
    results = []
    for _ in range(5):
        case = SimpleNamespace(state=SampleState.open, title="bench")
        started = time.perf_counter()
        for _ in range(rounds):
            case.state = SampleState.open
            for trigger, role, data in STEPS:
                fire(case, trigger, role, data)
        results.append((time.perf_counter() - started) / (rounds * len(STEPS)) * 1e6)
    return min(results), statistics.median(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20_000)
    args = parser.parse_args()
    engine_best, engine_median = measure(engine_fire, args.rounds)
    plain_best, plain_median = measure(plain_fire, args.rounds)
    print(f"engine decide + fire (shared Machine):    {engine_best:6.2f} µs/transition (median {engine_median:.2f})")
    print(f"plain dict table (limit, same run):      {plain_best:6.2f} µs/transition (median {plain_median:.2f})")
    print(f"ratio engine / plain dict: {engine_best / plain_best:.1f}x")
    print(f"ratio engine / {TARGET_US:.0f} µs target: {engine_best / TARGET_US:.2f} "
          f"({'within' if engine_best < TARGET_US else 'OVER'} the target)")
    return 0 if engine_best < TARGET_US else 1


if __name__ == "__main__":
    raise SystemExit(main())
