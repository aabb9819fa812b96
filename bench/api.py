"""Claims API speed on the production stack (gunicorn + PostgreSQL + Redis).

    .venv/bin/python bench/api.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

1. Transition throughput at 32 concurrent clients, a realistic mix per claim: report (create), admit,
   verify, complete_treatment, submit_documents. The limit, measured in the same run on the same
   database: pgbench's TPC-B-like TPS at 32 clients. Targets: >= 40% of pgbench's TPS; p99 <= 100 ms.
2. With 100,000 claims in the database, a filtered, paginated claims list: p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from procs import free_port, scratch_database, start, stop, wait_port  # noqa: E402

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


class Client:
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


def claim_flow(hospital: Client, bpjs: Client, nik: str, latencies: list, errors: list) -> None:
    accident = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    steps = [
        (hospital, "POST", "/api/v1/claims", {
            "nik": nik, "accident_at": accident, "place": "Pelabuhan", "accident_type": "work_site",
            "chronology": "fell", "injury": "wrist", "reporter_name": "N", "reporter_phone": "081234567890"}),
    ]
    status, body, took = hospital.call(*steps[0][1:])
    latencies.append(took)
    if status != 201:
        errors.append((status, body))
        return
    claim_id, version = body["id"], body["version"]
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


def measure_floor(url: str, args) -> tuple[float, list[float]]:
    """bench/floor_app.py (the round trips by hand) through the same gunicorn settings, same clients."""
    import floor_app
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(floor_app.TABLES)
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="berjasa-bench-floor-"))
    process = start([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--chdir",
                     str(ROOT / "bench"), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                     *args.gunicorn.split(), "floor_app:app"], {**os.environ, "FLOOR_URL": plain},
                    workdir / "gunicorn.log")
    counter = iter(range(10**9))

    def transition(client, _other, latencies, errors):
        status, body, took = client.call("POST", f"/cases/{next(counter) % 5000 + 1}/transitions",
                                         {"trigger": "verify", "expected_version": 1, "data": {}})
        latencies.append(took)
        if status != 200:
            errors.append((status, body))

    try:
        wait_port(port)
        run_load(port, "floor", "floor", args.clients, transition, args.warmup)
        rps, latencies, errors = run_load(port, "floor", "floor", args.clients, transition, args.seconds)
        if errors:
            raise SystemExit(f"the floor app failed: {errors[0]}")
    finally:
        stop(process)
        shutil.rmtree(workdir, ignore_errors=True)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(floor_app.DROP)
    return rps, latencies


def run_load(port: int, hospital_token: str, bpjs_token: str, clients: int, flow, seconds: float):
    """`clients` threads repeating `flow` for `seconds`: (requests per second, latencies, errors)."""
    latencies: list[float] = []
    errors: list = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        hospital, bpjs = Client(port, hospital_token), Client(port, bpjs_token)
        mine: list[float] = []
        while time.monotonic() < stop_at:
            flow(hospital, bpjs, mine, errors)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - began), latencies, errors


def seed_people(url: str, count: int) -> list[str]:
    """Active participants (covered for JKK since 2025) so that verify succeeds."""
    from berjasa import create_app
    from berjasa.db import bulk_insert, db, utcnow
    from berjasa.enrolment.models import CoveragePeriod, Enrolment
    from berjasa.registry.models import Participant
    from berjasa.transaction import unit_of_work

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BROKER_URL": "", "INSTANCE_PATH": tempfile.mkdtemp()})
    niks = [f"737109170590{i:04d}" for i in range(count)]
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


def seed_claims(url: str, count: int, people: int) -> None:
    """`count` claims spread over states, hospitals, dates and people (straight into the table)."""
    from berjasa import create_app
    from berjasa.claims.models import Claim, ClaimHospital
    from berjasa.db import bulk_insert, db
    from berjasa.parties.models import Party
    from berjasa.transaction import unit_of_work
    from workflows.claim import ClaimState

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BROKER_URL": "", "INSTANCE_PATH": tempfile.mkdtemp()})
    rng = random.Random(7)
    states = list(ClaimState)
    with app.app_context(), db.new_session() as session:
        hospitals = dict(session.execute(sa.select(Party.code, Party.id).where(Party.kind == "hospital")).tuples()
                         .all())
        reporter = hospitals["RS-PRIMAYA"]
        participants = [pid for (pid,) in session.execute(sa.select(sa.text("id")).select_from(
            sa.text("participants")))]
        start = datetime(2025, 1, 1, tzinfo=UTC)
        for offset in range(0, count, 10_000):
            rows = []
            for i in range(offset, min(count, offset + 10_000)):
                created = start + timedelta(minutes=7 * i)
                pid = participants[i % len(participants)]
                rows.append({
                    "state": rng.choice(states), "version": 3, "nik": f"737109170590{i % people:04d}",
                    "participant_id": pid, "accident_at": created - timedelta(hours=5), "place": "x",
                    "accident_type": "work_site", "chronology": "x", "injury": "x", "reporter_name": "x",
                    "reporter_phone": "081234567890", "reported_by": "bench", "reporting_party_id": reporter,
                    "hospital_id": rng.choice(list(hospitals.values())), "late_stage1_report": i % 9 == 0,
                    "participant_unknown": False, "possible_duplicate": i % 50 == 0, "verified": True,
                    "referred": False, "care": {}, "created_at": created, "updated_at": created})
            with unit_of_work(session):
                bulk_insert(session, Claim.__table__, rows)
        with unit_of_work(session):
            session.execute(sa.text(
                "INSERT INTO claim_hospitals (claim_id, hospital_id, relation, since) "
                "SELECT id, hospital_id, 'treating', created_at FROM claims WHERE hospital_id IS NOT NULL "
                "ON CONFLICT DO NOTHING"))
            session.execute(sa.text("ANALYZE"))
        db.engine.dispose()
    del ClaimHospital


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def main() -> int:  # noqa: C901 - a script: one phase after another
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BERJASA_TEST_DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--gunicorn", default="", help="gunicorn options besides gunicorn.conf.py's, e.g. "
                                                          "'--workers 4 --threads 8'")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--claims", type=int, default=100_000)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BERJASA_TEST_DATABASE_URL) is required")
    scratch = contextlib.ExitStack()
    url = scratch.enter_context(scratch_database(args.database_url))
    workdir = Path(tempfile.mkdtemp(prefix="berjasa-bench-api-"))
    processes = []
    try:
        redis_port, port = free_port(), free_port()
        processes.append(start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                "--dir", str(workdir)], os.environ, workdir / "redis.log"))
        env = {**os.environ, "BERJASA_DATABASE_URL": url, "BERJASA_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
               "BERJASA_SECRET_KEY": SECRET, "BERJASA_INSTANCE_PATH": str(workdir), "BERJASA_LOG_LEVEL": "WARNING",
               "BERJASA_DB_POOL_SIZE": "4"}
        cli = [sys.executable, "-m", "workers.cli"]
        subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        seeded = subprocess.run([*cli, "demo", "seed"], env=env, cwd=ROOT, check=True, capture_output=True,
                                text=True).stdout
        tokens = {line.split()[1]: line.split()[2] for line in seeded.splitlines()}
        niks = seed_people(url, 5000)
        limit = pgbench_tps(url.replace("postgresql+psycopg://", "postgresql://"), args.clients, 10)
        processes.append(start([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--log-level",
                                "warning", *args.gunicorn.split(), "wsgi:app"], env, workdir / "gunicorn.log"))
        processes.append(start([*cli, "scheduler"], env, workdir / "scheduler.log"))
        wait_port(port)

        counter = iter(range(10**9))

        def claims(hospital, bpjs, latencies, errors):
            claim_flow(hospital, bpjs, niks[next(counter) % len(niks)], latencies, errors)

        def health(hospital, _bpjs, latencies, errors):
            status, body, took = hospital.call("GET", "/healthz")
            latencies.append(took)
            if status != 200:
                errors.append((status, body))

        clients = (port, tokens["demo-primaya"], tokens["demo-bpjs"], args.clients)
        run_load(*clients, claims, args.warmup)  # prepared statements, pools, caches: not measured
        rps, latencies, errors = run_load(*clients, claims, args.seconds)
        ceiling, _, _ = run_load(*clients, health, 5)
        floor_rps, floor_latencies = measure_floor(url, args)

        seed_claims(url, args.claims, len(niks))
        reader = Client(port, tokens["demo-caseworker"])
        hospital_reader = Client(port, tokens["demo-primaya"])
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

    share = rps / limit
    p99 = percentile(latencies, 0.99) * 1000
    print(f"transitions: {rps:,.0f} requests/s at {args.clients} clients through gunicorn "
          f"({args.gunicorn or 'gunicorn.conf.py'}), {len(latencies)} requests, {len(errors)} errors; "
          f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p99 {p99:.0f} ms")
    print(f"limit (same run): pgbench TPC-B-like {limit:,.0f} TPS at {args.clients} clients; ratio {share:.2f} "
          f"(target >= 0.40: {'met' if share >= 0.4 else 'NOT met'}); p99 target <= 100 ms: "
          f"{'met' if p99 <= 100 else 'NOT met'}")
    print(f"for scale (same run): GET /healthz, no database, through the same gunicorn: {ceiling:,.0f} requests/s "
          f"({ceiling / limit:.2f} of pgbench); the transitions reach {rps / ceiling:.2f} of it")
    print(f"floor (same run): the same round trips by hand in Flask + psycopg (bench/floor_app.py): "
          f"{floor_rps:,.0f} requests/s, ratio {floor_rps / limit:.2f}, p99 "
          f"{percentile(floor_latencies, 0.99) * 1000:.0f} ms; the service reaches {rps / floor_rps:.2f} of it")
    p95 = percentile(list_latencies, 0.95) * 1000
    print(f"claims list with {total_claims:,} claims: p50 {percentile(list_latencies, 0.5) * 1000:.1f} ms, "
          f"p95 {p95:.1f} ms over {len(list_latencies)} filtered, paginated requests (target p95 <= 50 ms: "
          f"{'met' if p95 <= 50 else 'NOT met'})")
    if errors:
        print("first error:", errors[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
