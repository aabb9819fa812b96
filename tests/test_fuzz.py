"""schemathesis against `berjasa serve --demo`, on SQLite and on PostgreSQL: every check on, a fixed seed, a
bounded number of examples per operation (BERJASA_FUZZ_EXAMPLES, 10 by default). No check may fail: in
particular no server error (ST101) and no response outside its schema (ST108, ST105, ST103).

The run for the closing note of issue 10 (100 examples per operation, both databases):

    BERJASA_FUZZ_EXAMPLES=100 BERJASA_TEST_DATABASE_URL=postgresql://... .venv/bin/pytest -s tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import free_port, wait_for_port
from tests.workers.processes import ROOT

SEED = 20261121
EXAMPLES = int(os.environ.get("BERJASA_FUZZ_EXAMPLES", "10"))
CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
ROLES = {"BERJASA_FUZZ_CASEWORKER": "demo-caseworker", "BERJASA_FUZZ_ADMIN": "demo-admin",
         "BERJASA_FUZZ_SUPERVISOR": "demo-supervisor"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request, tmp_path):
    """`berjasa serve --demo` on a fresh database; yields (base URL, {username: token})."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env.update(BERJASA_INSTANCE_PATH=str(tmp_path / "instance"), BERJASA_LOG_LEVEL="WARNING")
    if request.param == "postgres":
        env["BERJASA_DATABASE_URL"] = request.getfixturevalue("pg_url")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "workers.cli", "serve", "--demo", "--port", str(port)],
                               env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=open(tmp_path / "serve.log", "w"),
                               text=True)
    try:
        wait_for_port(port, timeout=60)
        tokens = dict(process.stdout.readline().split()[1:3] for _ in range(6))
        yield f"http://127.0.0.1:{port}", tokens
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    log = (tmp_path / "serve.log").read_text()
    assert "unhandled error" not in log, log[-4000:]


def test_the_api_survives_the_fuzzer(server, tmp_path):
    base_url, tokens = server
    env = {**os.environ, **{name: tokens[user] for name, user in ROLES.items()}}
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(CONFIG), "run",
               f"{base_url}/api/openapi.json", "--checks", "all", "--max-examples", str(EXAMPLES),
               "--seed", str(SEED), "--report", "json", "--report-dir", str(tmp_path / "report"), "--no-color"]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    report = json.loads(next((tmp_path / "report").glob("*.json")).read_text())
    failures = {f"{f['code']} {f['title']}": f["count"] for f in report["failures"]}
    print(f"\nschemathesis {EXAMPLES} examples per operation, seed {SEED}: {report['test_cases']['generated']} "
          f"test cases over {report['operations']['tested']} operations; failures by code: {failures or 'none'}; "
          f"errors: {len(report['errors'])}")
    assert report["operations"]["tested"] == report["operations"]["selected"] >= 38
    assert failures == {} and report["errors"] == [], done.stdout[-8000:]
    assert done.returncode == 0, done.stdout[-6000:]
