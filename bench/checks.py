"""A BPJS membership file of 300,000 rows reconciled against 300,000 active enrolments with 1% discrepancies, on
PostgreSQL: the import plus a full run of checks 1-4 (enrolment_active_not_at_bpjs, active_at_bpjs_not_in_city,
kpj_mismatch, identity_mismatch, arrears), against a raw COPY of the same file into a staging table measured in the
same run; then the same file again (a re-run with no changes: the newest import's rows are used again, as
`berjasa import bpjs` uses them, and the checks run again in full).

    .venv/bin/python bench/checks.py --database-url postgresql://postgres@127.0.0.1:5432/postgres [--rows N]

The city's side (participants and active enrolments) is made with set-based SQL, not through the write path: it is
the fixture, not what is measured. The file is `berjasa demo bpjs-file` of that database (1% of its rows given a
discrepancy). Each import runs in a process of its own, as `berjasa import bpjs` runs it (the file kept in the
database, read back as a stream, validated, written chunk by chunk, then the checks), so its peak RSS is its own.
Targets: <= 60 s; peak RSS <= 500 MB; throughput >= 0.2 x the raw COPY's; the re-run opens nothing, in less time."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from procs import scratch_database  # noqa: E402

SECONDS_TARGET, RSS_LIMIT_MB, RATIO_TARGET = 60.0, 500, 0.2
CHECKS_1_TO_4 = ("enrolment_active_not_at_bpjs", "active_at_bpjs_not_in_city", "kpj_mismatch", "identity_mismatch",
                 "arrears")


def app_for(url: str, workdir: Path):
    from berjasa import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": str(workdir),
                       "LOG_LEVEL": "WARNING"})


def city(app, rows: int) -> None:
    """`rows` participants, each with an active enrolment and a KPJ number."""
    from berjasa import migrate
    from berjasa.db import db

    with app.app_context():
        migrate.upgrade(db.engine)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO participants (nik, name, sex, birth_date, kecamatan_code, cohort, has_disability, decile,"
                " decile_snapshot, kpj_number, review_flags, created_at, updated_at) SELECT "
                "'73710' || lpad(g::text, 11, '0'), 'Peserta Nomor ' || g, CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,"
                " DATE '1960-01-01' + (g %% 16000), lpad(((g %% 15) + 1)::text, 2, '0'), 'informal', false, 1 + g %% 4,"
                " DATE '2025-10-01', '26' || lpad(g::text, 9, '0'), '[]', now(), now() "
                f"FROM generate_series(1, {rows}) g")
            conn.exec_driver_sql(
                "INSERT INTO enrolments (participant_id, state, version, jht, created_at, updated_at) "
                "SELECT id, 'active', 4, false, now(), now() FROM participants")
            conn.exec_driver_sql("ANALYZE participants; ANALYZE enrolments")


def write_file(app, path: Path) -> dict[str, int]:
    from berjasa.bpjs.demo import generate
    from berjasa.db import db

    injected: dict[str, int] = {}
    with app.app_context(), db.new_session() as session, open(path, "w", encoding="utf-8") as out:
        out.writelines(generate(session, discrepancy_share=0.01, seed=2026, injected=injected))
    return injected


def raw_copy(url: str, path: Path) -> float:
    """The limit: the file COPYed as it is into a staging table of text columns."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("CREATE TABLE bpjs_staging (nik text, kpj_number text, name text, birth_date text, "
                     "programmes text, status text, coverage_start text, paid_until text, arrears_months text, "
                     "payer text)")
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy("COPY bpjs_staging FROM STDIN WITH (FORMAT csv, HEADER true)"
                                                  ) as copy, open(path, "rb") as file:
            while block := file.read(1 << 20):
                copy.write(block)
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bpjs_staging")
    return elapsed


def child(url: str, path: str) -> None:
    """One import of the file and the full run of checks 1-4 after it, as `berjasa import bpjs` runs them; prints
    a JSON line: times, counts, peak RSS."""
    from berjasa.auth.service import Actor
    from berjasa.checks.runner import run_checks
    from berjasa.checks.service import prune_older_files
    from berjasa.db import db
    from berjasa.imports import engine
    from workflows.checks import BY_NAME
    from workflows.roles import Role

    instance = tempfile.TemporaryDirectory(prefix="berjasa-bench-checks-")
    app = app_for(url, Path(instance.name))
    with instance, app.app_context(), db.new_session() as session, open(path, "rb") as file:
        started = time.perf_counter()
        batch = engine.start(session=session, kind="bpjs", requested_by="bench", filename=Path(path).name,
                             file=file, background=False)
        reused = batch.status == "done"  # the same file as the newest imported: that batch again, nothing read
        batch = engine.run(session=session, batch_id=batch.id, actor=Actor(None, "bench", Role.SYSTEM, None, None,
                                                                           None))
        imported = time.perf_counter()
        if not reused:
            prune_older_files(session, batch.id)
        runs = run_checks(session, [BY_NAME[name] for name in CHECKS_1_TO_4], trigger="import", config=app.config,
                          import_batch_id=batch.id)
        done = time.perf_counter()
    print(json.dumps({
        "batch": batch.id, "reused": reused, "rows": batch.done, "rejected": batch.rejected, "seconds": done - started,
        "import": imported - started,
        "checks": done - imported, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "runs": {run.check: [run.found, run.opened, run.reopened, run.auto_resolved, run.seconds] for run in runs}}))


def in_child(url: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", url, str(path)], capture_output=True, text=True,
                          cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, result: dict, copy_s: float | None = None) -> None:
    opened = sum(r[1] for r in result["runs"].values())
    if result["reused"]:
        label += f" (import {result['batch']}'s rows used again: the file's SHA-256 is the newest import's)"
    print(f"{label}: {result['rows']:,} rows in {result['seconds']:.1f} s (import {result['import']:.1f} s, "
          f"checks 1-4 {result['checks']:.1f} s), peak RSS {result['rss_mb']:.0f} MB, {opened} opened")
    for check, (found, opened_, reopened, resolved, seconds) in result["runs"].items():
        print(f"    {check}: {found} found, {opened_} opened, {reopened} reopened, {resolved} resolved by data, "
              f"{seconds:.2f} s")
    if copy_s is not None:
        ratio = copy_s / result["seconds"]
        print(f"    raw COPY of the file into a staging table: {copy_s:.2f} s; throughput ratio {ratio:.2f} "
              f"(target >= {RATIO_TARGET}: {'met' if ratio >= RATIO_TARGET else 'NOT met'})")
    print(f"    target <= {SECONDS_TARGET:.0f} s: {'met' if result['seconds'] <= SECONDS_TARGET else 'NOT met'}; "
          f"peak RSS <= {RSS_LIMIT_MB} MB: {'met' if result['rss_mb'] <= RSS_LIMIT_MB else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an admin URL (required); the bench makes a scratch database")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    if not args.database_url:
        parser.error("--database-url is required")
    with scratch_database(args.database_url) as url, tempfile.TemporaryDirectory(prefix="berjasa-bench-") as work:
        workdir = Path(work)
        app = app_for(url, workdir)
        started = time.perf_counter()
        city(app, args.rows)
        path = workdir / "bpjs.csv"
        injected = write_file(app, path)
        print(f"city: {args.rows:,} active enrolments; file: {path.stat().st_size / 1e6:.1f} MB, discrepancies "
              f"injected: {', '.join(f'{k} {v}' for k, v in sorted(injected.items()))} "
              f"(set up in {time.perf_counter() - started:.0f} s, not measured)")
        copy_s = raw_copy(url, path)
        first = in_child(url, path)
        report("first import", first, copy_s)
        second = in_child(url, path)
        report("the same file again", second, raw_copy(url, path))
        opened = sum(r[1] + r[2] for r in second["runs"].values())
        print(f"re-run: {opened} opened or reopened (target 0: {'met' if opened == 0 else 'NOT met'}), "
              f"{second['seconds']:.1f} s against {first['seconds']:.1f} s "
              f"({'less' if second['seconds'] < first['seconds'] else 'NOT less'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
