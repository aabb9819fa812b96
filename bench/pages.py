"""Server time of every web page with 100,000 claims in PostgreSQL.

    flock /work/notes/bench.lock .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Each role signs in and asks its pages many times through the app's WSGI interface in this process (no network, no
browser: the time is the server's, from the request to the last byte of the page). Data: 5,000 active people,
100,000 claims over every state and hospital (bench/api.py's seeding), their SLA clocks (a five-year expiry each,
a BPJS decision or payment clock where BPJS is due to act, an overdue Disnaker clock and a breach on every 20th
claim), 20,000 notifications for the caseworkers, a discrepancy for every 50th claim (care cost differs: the
hospital's, an open clock each) and the reports' read models rebuilt from all that. Target: every page p95 <= 200
ms; each page's p95 is printed with its ratio to that limit, and GET /healthz through the same client for scale.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api import SECRET, seed_claims, seed_people  # noqa: E402
from load import percentile  # noqa: E402
from procs import scratch_database  # noqa: E402

LIMIT_MS = 200
PAGES = {
    "demo-caseworker": ["/worklist", "/claims", "/claims?state=hospital_care", "/claims?q=7371091705900042",
                        "/claims?kecamatan=09&overdue=true", "/claims/{claim}", "/enrolments",
                        "/enrolments?state=active&kecamatan=09", "/participants?name=Pekerja+42",
                        "/participants/{person}", "/imports", "/notifications",
                        "/reports?from=2026-01&to=2026-06", "/discrepancies",
                        "/discrepancies/{discrepancy}"],
    "demo-primaya": ["/claims", "/claims/{claim}", "/claims/new", "/notifications", "/discrepancies"],
    "demo-bpjs": ["/queues", "/claims/{claim}", "/breaches", "/discrepancies?state=open", "/imports"],
    "demo-supervisor": ["/breaches", "/breaches?justified=false", "/audit", "/scorecards",
                        "/scorecards?group_by=hospital&interval=quarter", "/discrepancies?party=hospital"],
}

CLOCKS = """
INSERT INTO clocks (case_type, case_id, policy, run, state, party, hospital_id, kecamatan_code, started_at,
                    running_since, used, due_at, warn_at, escalate_at, next_at, calendar_version)
SELECT 'claim', c.id, 'claim.expiry', 1, 'running', 'disnaker', NULL, NULL, c.accident_at, c.accident_at, 0,
       c.accident_at + interval '5 years', c.accident_at + interval '5 years' - interval '90 days', NULL,
       c.accident_at + interval '5 years' - interval '90 days', 0
FROM claims c;
INSERT INTO clocks (case_type, case_id, policy, run, state, party, hospital_id, kecamatan_code, started_at,
                    running_since, used, due_at, warn_at, escalate_at, next_at, calendar_version)
SELECT 'claim', c.id, CASE WHEN c.state IN ('reported', 'hospital_care') THEN 'claim.bpjs_decision'
                           ELSE 'claim.payment' END,
       1, 'running', 'bpjs', NULL, NULL, c.created_at, c.created_at, 0,
       c.created_at + interval '30 days', c.created_at + interval '25 days', NULL, now() + interval '1 day', 0
FROM claims c WHERE c.state IN ('reported', 'hospital_care', 'under_review', 'approved');
INSERT INTO clocks (case_type, case_id, policy, run, state, party, hospital_id, kecamatan_code, started_at,
                    running_since, used, due_at, warn_at, escalate_at, next_at, calendar_version, breached_at)
SELECT 'claim', c.id, 'claim.documents_requested', 1, 'breached', 'disnaker', NULL, '09', c.created_at,
       c.created_at, 0, c.created_at + interval '14 days', c.created_at + interval '11 days', NULL,
       now() + interval '1 day', 0, c.created_at + interval '14 days'
FROM claims c WHERE mod(c.id, 20) = 0;
INSERT INTO sla_breaches (clock_id, case_type, case_id, policy, party, hospital_id, kecamatan_code, due_at,
                          breached_at, recorded_at, justified)
SELECT k.id, k.case_type, k.case_id, k.policy, k.party, k.hospital_id, k.kecamatan_code, k.due_at, k.breached_at,
       k.breached_at, false
FROM clocks k WHERE k.state = 'breached';
INSERT INTO notifications (event_id, event_type, rule, recipient, audience_role, audience_party_id, case_type,
                           case_id, params, created_at)
SELECT md5(g::text), 'sla.breached', 'sla.breached', 'caseworker@' || p.id, 'caseworker', p.id, 'claim', g,
       json_build_object('policy', 'claim.documents_requested', 'case', json_build_array('claim', g),
                         'due', '2026-01-01T00:00:00+08:00'), now() - g * interval '1 minute'
FROM generate_series(1, 20000) g, parties p WHERE p.kind = 'disnaker';
INSERT INTO discrepancies (state, version, check_name, subject_type, subject_key, party, hospital_id,
                           kecamatan_code, participant_id, claim_id, evidence, evidence_hash, found_at, evidence_at,
                           resolved_by_data, last_event_hash, created_at, updated_at)
SELECT 'open', 1, 'care_cost_mismatch', 'claim', c.id::text, 'hospital', c.hospital_id, NULL, NULL, c.id,
       json_build_object('city', json_build_object('source', 'claim ' || c.id, 'values',
                                                   json_build_object('medical_cost', 7500000)),
                         'hospital', json_build_object('source', 'care record', 'values',
                                                       json_build_object('medical_cost', 9100000))),
       md5(c.id::text), now(), now(), false, md5(c.id::text), now(), now()
FROM claims c WHERE mod(c.id, 50) = 0 AND c.hospital_id IS NOT NULL;
INSERT INTO clocks (case_type, case_id, policy, run, state, party, hospital_id, kecamatan_code, started_at,
                    running_since, used, due_at, warn_at, escalate_at, next_at, calendar_version)
SELECT 'discrepancy', d.id, 'discrepancy.resolution', 1, 'running', 'hospital', d.hospital_id, NULL, d.found_at,
       d.found_at, 0, d.found_at + interval '14 days', d.found_at + interval '10 days', NULL,
       d.found_at + interval '10 days', 0
FROM discrepancies d;
ANALYZE;
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BERJASA_TEST_DATABASE_URL"))
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="per page, after 5 unmeasured")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BERJASA_TEST_DATABASE_URL) is required")
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(scratch_database(args.database_url))
        app = make_app(url)
        seed(app, url, args.claims)
        results, health = measure(app, args.requests)
        claims = count(app, "claims")
    report(results, health, claims)
    return 0


def make_app(url: str):
    from berjasa import create_app, demo, migrate
    from berjasa.db import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "BROKER_URL": "", "LOG_LEVEL": "WARNING",
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="berjasa-bench-pages-")})
    with app.app_context():
        migrate.upgrade(db.engine)
        with db.new_session() as session:
            demo.seed(session=session, secret_key=SECRET, config=app.config)
    return app


def seed(app, url: str, claims: int) -> None:
    from berjasa.db import db
    from berjasa.reports import projections
    from berjasa.transaction import unit_of_work

    people = seed_people(url, 5000)
    seed_claims(url, claims, len(people))
    with app.app_context(), db.engine.begin() as connection:
        for statement in CLOCKS.split(";"):
            if statement.strip():
                connection.exec_driver_sql(statement)
    with app.app_context(), db.new_session() as session, unit_of_work(session):
        projections.rebuild_all(session)  # the scorecards and reports read these


def count(app, table: str) -> int:
    from berjasa.db import db

    with app.app_context(), db.engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def signed_in(app, username: str):
    from berjasa import demo

    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "csrf_token": token,
                                           "password": demo.passwords(secret_key=SECRET)[username]})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def measure(app, requests: int) -> tuple[dict[str, list[float]], list[float]]:
    ids = {"claim": 4242, "person": 42, "discrepancy": 1}
    with app.app_context(), app.extensions["berjasa.db"]() as session:
        # a claim under review that RS Primaya treats, so that every role may open it
        ids["claim"] = session.execute(sa.text(
            "SELECT max(c.id) FROM claims c JOIN parties p ON p.id = c.hospital_id "
            "WHERE c.state = 'under_review' AND p.code = 'RS-PRIMAYA'")).scalar()
        ids["discrepancy"] = session.execute(sa.text("SELECT min(id) FROM discrepancies")).scalar()
    results: dict[str, list[float]] = {}
    for username, pages in PAGES.items():
        client = signed_in(app, username)
        for path in pages:
            url = path.format(**ids)
            times = []
            for i in range(requests + 5):
                started = time.perf_counter()
                response = client.get(url)
                body = response.get_data()
                took = time.perf_counter() - started
                assert response.status_code == 200, (username, url, response.status_code, body[:300])
                if i >= 5:
                    times.append(took)
            results[f"{username:16} {url}"] = times
    client = app.test_client()
    health = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get("/healthz").get_data()
        health.append(time.perf_counter() - started)
    return results, health


def report(results: dict[str, list[float]], health: list[float], claims: int) -> None:
    print(f"web pages, server time in-process, {claims:,} claims; limit p95 {LIMIT_MS} ms")
    print(f"{'user and page':62} {'p50 ms':>8} {'p95 ms':>8} {'p95/limit':>10}")
    worst = 0.0
    for name, times in results.items():
        p50, p95 = percentile(times, 0.5) * 1000, percentile(times, 0.95) * 1000
        worst = max(worst, p95)
        print(f"{name:62} {p50:8.1f} {p95:8.1f} {p95 / LIMIT_MS:10.2f}")
    print(f"{'(GET /healthz, for scale)':62} {percentile(health, 0.5) * 1000:8.1f} "
          f"{percentile(health, 0.95) * 1000:8.1f}")
    print(f"slowest page p95 {worst:.1f} ms: ratio {worst / LIMIT_MS:.2f} of the limit "
          f"(target <= 1.00: {'met' if worst <= LIMIT_MS else 'NOT met'})")


if __name__ == "__main__":
    sys.exit(main())
