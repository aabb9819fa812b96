"""Claims API speed on the production stack (gunicorn + PostgreSQL + Redis), against its floor in the same run.

    .venv/bin/python bench/api.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

1. Transitions at 32 concurrent clients, a realistic mix per claim: report (create), admit, verify,
   complete_treatment, submit_documents. The limit, measured in the same run on the same database, through
   the same gunicorn settings: bench/floor_app.py, the same requests with the same round trips written by hand
   in Flask + psycopg. Targets: >= 0.5 of the floor's throughput; p99 <= 150 ms. Both servers' CPU per
   request is printed (their whole process tree).
2. Reads: GET /api/v1/claims/{id} >= 0.5 x GET /healthz through the same gunicorn.
3. Where the remaining time goes: a cProfile summary (CPU clock) of the same mix run in-process.
4. With 100,000 claims in the database, a filtered, paginated claims list: p95 <= 50 ms.

Both are measured twice: with the SLA clocks of the default policies (the floor reads, starts and stops clocks the
same way), and with every policy left out (the write path as it was before clocks), so the two ratios can be
compared (target: within 10% of each other).

The relay (`berjasa scheduler`) does not run while the API is measured: the floor has none, and bench/events.py
measures the event path. pgbench's TPC-B-like TPS at 32 clients is printed for scale.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import Client, Load, percentile, run_load  # noqa: E402
from procs import free_port, scratch_database, start, stop, wait_port  # noqa: E402
from where import profile  # noqa: E402

from workflows.policies import DEFAULT_POLICIES  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
DOCS = ["kpj_card", "ktp", "doctor_statement", "treatment_receipts", "chronology_with_witnesses"]


def pgbench_tps(url, clients: int, seconds: int) -> float:
    u = make_url(url)
    binary = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    env = {**os.environ, "PGPASSWORD": u.password or ""}
    base = [binary, "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    subprocess.run([*base, "-i", "-s", "10", "-q", u.database], env=env, check=True, capture_output=True)
    out = subprocess.run([*base, "-c", str(clients), "-j", "2", "-T", str(seconds), u.database], env=env,
                         check=True, capture_output=True, text=True).stdout
    # leave the database as it was, so that vacuuming pgbench's tables does not run during the API's turn
    subprocess.run([*base, "-i", "-I", "d", u.database], env=env, check=True, capture_output=True)
    with contextlib.closing(sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                                             isolation_level="AUTOCOMMIT").connect()) as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        conn.exec_driver_sql("CHECKPOINT")
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def claim_flow(hospital: Client, bpjs: Client, nik: str, latencies: list, errors: list, made: list) -> None:
    """One claim from report to submitted documents: five requests."""
    accident = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    status, body, took = hospital.call("POST", "/api/v1/claims", {
        "nik": nik, "accident_at": accident, "place": "Pelabuhan", "accident_type": "work_site",
        "chronology": "fell", "injury": "wrist", "reporter_name": "N", "reporter_phone": "081234567890"})
    latencies.append(took)
    if status != 201:
        errors.append((status, body))
        return
    claim_id, version = body["id"], body["version"]
    made.append(claim_id)
    for client, trigger, data in [
        (hospital, "admit", {"hospital": "RS-PRIMAYA", "admitted_at": accident, "care": "inpatient"}),
        (bpjs, "verify", {}),
        (hospital, "complete_treatment", {"doctor_statement_at": accident, "outcome": "recovered",
                                          "discharged_at": accident, "medical_cost": 1_000_000}),
        (hospital, "submit_documents", {"documents": DOCS}),
    ]:
        status, body, took = client.call("POST", f"/api/v1/claims/{claim_id}/transitions",
                                         {"trigger": trigger, "expected_version": version, "data": data})
        latencies.append(took)
        if status != 200:
            errors.append((status, body))
            return
        version = body["version"]


def measure(port: int, pid: int, tokens: dict[str, str], niks: list[str], args) -> tuple[Load, Load, Load]:
    """Transitions, GET /claims/{id} and GET /healthz against one server (the service or the floor)."""
    serial, made = count(), []

    def claims(hospital, bpjs, latencies, errors):
        claim_flow(hospital, bpjs, niks[next(serial) % len(niks)], latencies, errors, made)

    def read(reader, _other, latencies, errors):
        status, body, took = reader.call("GET", f"/api/v1/claims/{made[next(serial) % len(made)]}")
        latencies.append(took)
        if status != 200:
            errors.append((status, body))

    def health(reader, _other, latencies, errors):
        status, body, took = reader.call("GET", "/healthz")
        latencies.append(took)
        if status != 200:
            errors.append((status, body))

    writers = (tokens["demo-primaya"], tokens["demo-bpjs"])
    readers = (tokens["demo-caseworker"], tokens["demo-caseworker"])
    run_load(port, writers, args.clients, claims, args.warmup)  # pools, prepared statements, caches
    transitions = run_load(port, writers, args.clients, claims, args.seconds, pid)
    reads = run_load(port, readers, args.clients, read, args.read_seconds, pid)
    healthz = run_load(port, readers, args.clients, health, args.read_seconds, pid)
    return transitions, reads, healthz


def gunicorn(app: str, port: int, env: dict, workdir: Path, args, chdir: Path = ROOT):
    return start([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--chdir",
                  str(chdir), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *args.gunicorn.split(), app],
                 env, workdir / f"gunicorn-{port}.log")


def seed_people(url: str, count_: int) -> list[str]:
    """Active participants (covered for JKK since 2025) so that verify succeeds."""
    from berjasa import create_app
    from berjasa.db import bulk_insert, db, utcnow
    from berjasa.enrolment.models import CoveragePeriod, Enrolment
    from berjasa.registry.models import Participant
    from berjasa.transaction import unit_of_work

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BROKER_URL": "", "INSTANCE_PATH": tempfile.mkdtemp(),
                      "LOG_LEVEL": "WARNING"})
    niks = [f"737109170590{i:04d}" for i in range(count_)]
    now = utcnow()
    with app.app_context(), db.new_session() as session:
        with unit_of_work(session):
            bulk_insert(session, Participant.__table__, [
                {"nik": n, "name": f"Pekerja {i}", "sex": "M", "birth_date": datetime(1990, 5, 17).date(),
                 "kecamatan_code": f"{i % 15 + 1:02d}", "cohort": "informal", "has_disability": False,
                 "decile": 2, "review_flags": [], "created_at": now, "updated_at": now} for i, n in enumerate(niks)])
            ids = dict(session.execute(sa.select(Participant.nik, Participant.id)).tuples().all())
            bulk_insert(session, Enrolment.__table__, [
                {"participant_id": ids[n], "state": "active", "version": 4, "jht": False, "created_at": now,
                 "updated_at": now} for n in niks])
            enrolments = dict(session.execute(sa.select(Enrolment.participant_id, Enrolment.id)).tuples().all())
            bulk_insert(session, CoveragePeriod.__table__, [
                {"participant_id": ids[n], "enrolment_id": enrolments[ids[n]], "programmes": ["jkk", "jkm"],
                 "start_date": datetime(2025, 1, 1).date(), "funding": "apbd", "created_at": now} for n in niks])
        db.engine.dispose()
    return niks


def seed_claims(url: str, count_: int, people: int) -> None:
    """`count_` claims spread over states, hospitals, dates and people (straight into the table)."""
    from berjasa import create_app
    from berjasa.claims.models import Claim
    from berjasa.db import bulk_insert, db
    from berjasa.parties.models import Party
    from berjasa.transaction import unit_of_work
    from workflows.claim import ClaimState

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BROKER_URL": "", "INSTANCE_PATH": tempfile.mkdtemp(),
                      "LOG_LEVEL": "WARNING"})
    rng = random.Random(7)
    states = list(ClaimState)
    with app.app_context(), db.new_session() as session:
        hospitals = dict(session.execute(sa.select(Party.code, Party.id).where(Party.kind == "hospital")).tuples()
                         .all())
        reporter = hospitals["RS-PRIMAYA"]
        participants = [pid for (pid,) in session.execute(sa.select(sa.text("id")).select_from(
            sa.text("participants")))]
        begin = datetime(2025, 1, 1, tzinfo=UTC)
        for offset in range(0, count_, 10_000):
            rows = []
            for i in range(offset, min(count_, offset + 10_000)):
                created = begin + timedelta(minutes=7 * i)
                rows.append({
                    "state": rng.choice(states), "version": 3, "nik": f"737109170590{i % people:04d}",
                    "participant_id": participants[i % len(participants)], "accident_at": created - timedelta(hours=5),
                    "place": "x", "accident_type": "work_site", "chronology": "x", "injury": "x",
                    "reporter_name": "x", "reporter_phone": "081234567890", "reported_by": "bench",
                    "reporting_party_id": reporter, "hospital_id": rng.choice(list(hospitals.values())),
                    "late_stage1_report": i % 9 == 0, "participant_unknown": False,
                    "possible_duplicate": i % 50 == 0, "verified": True, "referred": False, "care": {},
                    "created_at": created, "updated_at": created})
            with unit_of_work(session):
                bulk_insert(session, Claim.__table__, rows)
        with unit_of_work(session):
            session.execute(sa.text(
                "INSERT INTO claim_hospitals (claim_id, hospital_id, relation, since) "
                "SELECT id, hospital_id, 'treating', created_at FROM claims WHERE hospital_id IS NOT NULL "
                "ON CONFLICT DO NOTHING"))
            session.execute(sa.text("ANALYZE"))
        db.engine.dispose()


def in_process_profile(url: str, tokens: dict[str, str], niks: list[str], flows: int) -> str:
    """The mix run through the app's WSGI interface in this process, profiled (see bench/where.py)."""
    from berjasa import create_app
    from berjasa.db import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BROKER_URL": "", "INSTANCE_PATH": tempfile.mkdtemp(),
                      "LOG_LEVEL": "WARNING"})
    client = app.test_client()

    class InProcess:
        def __init__(self, token):
            self.headers = {"Authorization": f"Bearer {token}"}

        def call(self, method, path, body=None):
            response = client.open(path, method=method, json=body, headers=self.headers)
            return response.status_code, response.get_json(), 0.0

    hospital, bpjs = InProcess(tokens["demo-primaya"]), InProcess(tokens["demo-bpjs"])
    errors: list = []

    def run():
        for i in range(flows):
            claim_flow(hospital, bpjs, niks[-1 - i % len(niks)], [], errors, [])

    for i in range(20):  # warm
        claim_flow(hospital, bpjs, niks[i], [], errors, [])
    text = profile(run)
    with app.app_context():
        db.engine.dispose()
    return text


def main() -> int:  # noqa: C901 - a script: one phase after another
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BERJASA_TEST_DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--read-seconds", type=float, default=8)
    parser.add_argument("--gunicorn", default="", help="gunicorn options besides gunicorn.conf.py's, e.g. "
                                                          "'--workers 4 --threads 8'")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--profile-flows", type=int, default=200)
    parser.add_argument("--no-pgbench", action="store_true")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BERJASA_TEST_DATABASE_URL) is required")
    scratch = contextlib.ExitStack()
    url = scratch.enter_context(scratch_database(args.database_url))
    workdir = Path(tempfile.mkdtemp(prefix="berjasa-bench-api-"))
    processes = []
    try:
        redis_port, port, floor_port = free_port(), free_port(), free_port()
        processes.append(start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                "--dir", str(workdir)], os.environ, workdir / "redis.log"))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        env = {**os.environ, "BERJASA_DATABASE_URL": url, "BERJASA_BROKER_URL": redis_url,
               "BERJASA_SECRET_KEY": SECRET, "BERJASA_INSTANCE_PATH": str(workdir), "BERJASA_LOG_LEVEL": "WARNING",
               "BERJASA_DB_POOL_SIZE": "4"}
        cli = [sys.executable, "-m", "workers.cli"]
        subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        seeded = subprocess.run([*cli, "demo", "seed"], env=env, cwd=ROOT, check=True, capture_output=True,
                                text=True).stdout
        tokens = {line.split()[1]: line.split()[2] for line in seeded.splitlines()}
        niks = seed_people(url, 5000)
        pgbench = None if args.no_pgbench else pgbench_tps(url.replace("postgresql+psycopg://", "postgresql://"),
                                                           args.clients, 10)

        no_clocks = workdir / "no-clocks.toml"
        no_clocks.write_text("".join(f'[{p.name}]\nenabled = false\n' for p in DEFAULT_POLICIES))
        floor_env = {**os.environ, "FLOOR_URL": url.replace("postgresql+psycopg://", "postgresql://", 1),
                     "FLOOR_REDIS": redis_url}
        runs = {}
        for sla in (True, False):
            service = gunicorn("wsgi:app", port, {**env, "BERJASA_SLA_POLICIES": "" if sla else str(no_clocks)},
                               workdir, args)
            wait_port(port)
            ours = measure(port, service.pid, tokens, niks, args)
            stop(service)
            floor = gunicorn("floor_app:app", floor_port, {**floor_env, "FLOOR_SLA": "1" if sla else "0"}, workdir,
                             args, chdir=ROOT / "bench")
            processes.append(floor)
            wait_port(floor_port)
            theirs = measure(floor_port, floor.pid, tokens, niks, args)
            stop(floor)
            runs[sla] = (ours, theirs)

        where = in_process_profile(url, tokens, niks, args.profile_flows)

        seed_claims(url, args.claims, len(niks))
        service = gunicorn("wsgi:app", port, env, workdir, args)
        processes.append(service)
        wait_port(port)
        reader, hospital_reader = Client(port, tokens["demo-caseworker"]), Client(port, tokens["demo-primaya"])
        queries = ["/api/v1/claims?state=hospital_care&per_page=50", "/api/v1/claims?hospital=RS-PRIMAYA&page=3",
                   "/api/v1/claims?flag=possible_duplicate", "/api/v1/claims?reported_from=2025-06-01&"
                   "reported_to=2025-06-30", "/api/v1/claims?kecamatan=09&state=under_review",
                   "/api/v1/claims?q=7371091705900042"]
        list_latencies = []
        for i in range(300):
            who = hospital_reader if i % 3 == 0 else reader
            status, body, took = who.call("GET", queries[i % len(queries)])
            assert status == 200, body
            list_latencies.append(took)
        total_claims = reader.call("GET", "/api/v1/claims?per_page=1")[1]["total"]
    finally:
        for process in reversed(processes):
            stop(process)
        scratch.close()
        shutil.rmtree(workdir, ignore_errors=True)

    print("== with the SLA clocks of the default policies")
    report(args, *runs[True], pgbench)
    print("== without SLA clocks (every policy left out; the floor leaves the clocks out too)")
    report(args, *runs[False], None)
    with_clocks = runs[True][0][0].requests_per_second / runs[True][1][0].requests_per_second
    without = runs[False][0][0].requests_per_second / runs[False][1][0].requests_per_second
    print(f"ratio to the floor with clocks {with_clocks:.2f}, without {without:.2f}: "
          f"{with_clocks / without:.2f} of it (target >= 0.90: {'met' if with_clocks / without >= 0.9 else 'NOT met'})")
    print(where)
    p95 = percentile(list_latencies, 0.95) * 1000
    print(f"claims list with {total_claims:,} claims: p50 {percentile(list_latencies, 0.5) * 1000:.1f} ms, "
          f"p95 {p95:.1f} ms over {len(list_latencies)} filtered, paginated requests (target p95 <= 50 ms: "
          f"{'met' if p95 <= 50 else 'NOT met'})")
    return 0


def report(args, ours: tuple[Load, Load, Load], theirs: tuple[Load, Load, Load], pgbench: float | None) -> None:
    (ours_t, ours_r, ours_h), (floor_t, floor_r, _floor_h) = ours, theirs
    settings = args.gunicorn or "gunicorn.conf.py"
    share = ours_t.requests_per_second / floor_t.requests_per_second
    print(f"transitions ({settings}, {args.clients} clients, report/admit/verify/complete_treatment/"
          f"submit_documents):")
    for name, load in (("service", ours_t), ("floor  ", floor_t)):
        print(f"  {name} {load.requests_per_second:7,.0f} requests/s, p50 {load.p50_ms:4.0f} ms, p99 "
              f"{load.p99_ms:4.0f} ms, server CPU {load.server_cpu_ms:.2f} ms/request, {len(load.latencies)} "
              f"requests, {len(load.errors)} errors")
    print(f"  ratio service/floor {share:.2f} (target >= 0.50: {'met' if share >= 0.5 else 'NOT met'}); "
          f"p99 {ours_t.p99_ms:.0f} ms (target <= 150 ms: {'met' if ours_t.p99_ms <= 150 else 'NOT met'}); "
          f"CPU per request service/floor {ours_t.server_cpu_ms / floor_t.server_cpu_ms:.2f}x")
    reads = ours_r.requests_per_second / ours_h.requests_per_second
    print(f"reads through the service's gunicorn: GET /api/v1/claims/{{id}} {ours_r.requests_per_second:,.0f}/s "
          f"(p99 {ours_r.p99_ms:.0f} ms, {ours_r.server_cpu_ms:.2f} ms CPU), GET /healthz "
          f"{ours_h.requests_per_second:,.0f}/s ({ours_h.server_cpu_ms:.2f} ms CPU): ratio {reads:.2f} "
          f"(target >= 0.50: {'met' if reads >= 0.5 else 'NOT met'}); the floor's GET "
          f"{floor_r.requests_per_second:,.0f}/s")
    if pgbench:
        print(f"for scale: pgbench TPC-B-like {pgbench:,.0f} TPS at {args.clients} clients on the same database")
    for load in (ours_t, ours_r, floor_t):
        if load.errors:
            print("first error:", load.errors[0])


if __name__ == "__main__":
    raise SystemExit(main())
