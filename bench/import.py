"""The October 2025 batch: 45,685 DTSEN rows imported (validated, participants, `submitted` enrolments with
their audit events and outbox rows), on SQLite and on PostgreSQL. Target: <= 10 s each.

    .venv/bin/python bench/import.py [--database-url postgresql://...] [--rows 45685]

It prints, per database, the import time next to the limit measured in the same run: reading and
validating the same file without writing anything (the floor the import cannot go below)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from procs import scratch_database  # noqa: E402

TARGET_S = 10.0


def run(url: str, content: bytes, workdir: Path) -> tuple[float, object]:
    from berjasa import create_app, migrate
    from berjasa.auth.service import Actor
    from berjasa.db import db
    from berjasa.enrolment import imports
    from workflows.roles import Role

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": str(workdir),
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        migrate.upgrade(db.engine)
        with db.new_session() as session:
            started = time.perf_counter()
            batch = imports.start_import(session=session, requested_by="bench", filename="oktober-2025.csv",
                                         content=content, background=False)
            batch = imports.run_import(session=session, batch_id=batch.id,
                                       actor=Actor(None, "bench", Role.SYSTEM, None, None, None))
            elapsed = time.perf_counter() - started
        db.engine.dispose()
    return elapsed, batch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BERJASA_TEST_DATABASE_URL"))
    parser.add_argument("--rows", type=int, default=45_685)
    args = parser.parse_args()
    from berjasa.enrolment import dtsen

    content = "".join(dtsen.generate(args.rows, invalid_share=0.01, duplicate_share=0.005, seed=2025)).encode()
    started = time.perf_counter()
    parsed = sum(1 for _ in dtsen.read(content))
    floor = time.perf_counter() - started
    print(f"file: {args.rows:,} rows, {len(content) / 1e6:.1f} MB; reading and validating alone "
          f"(limit, same run): {floor:.2f} s for {parsed:,} rows")
    workdir = Path(tempfile.mkdtemp(prefix="berjasa-bench-import-"))
    targets = [("SQLite", f"sqlite:///{workdir / 'bench.db'}", None)]
    scratch = contextlib.ExitStack()
    if args.database_url:
        targets.append(("PostgreSQL", scratch.enter_context(scratch_database(args.database_url)), scratch.close))
    worst = 0.0
    for label, url, drop in targets:
        try:
            elapsed, batch = run(url, content, workdir)
        finally:
            if drop:
                drop()
        worst = max(worst, elapsed)
        print(f"{label:10s}: {elapsed:5.2f} s ({batch.done / elapsed:,.0f} rows/s): {batch.created:,} created, "
              f"{batch.rejected:,} rejected; {elapsed / floor:.1f}x the read-only limit; "
              f"{elapsed / TARGET_S:.2f} of the {TARGET_S:.0f} s target ({'met' if elapsed <= TARGET_S else 'NOT met'})"
              )
    if not args.database_url:
        print("PostgreSQL: skipped (pass --database-url or set BERJASA_TEST_DATABASE_URL)")
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
