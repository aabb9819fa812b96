"""The README's walk-throughs, run as written (curl against `berjasa serve --demo`), in order.

Each `sh` block with a curl call runs in bash with the demo tokens in its variables; every response must be a
success except those the README itself shows as errors."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.services import wait_for_port
from tests.test_serve import start_serve
from tests.workers.processes import ROOT

TOKENS = {"T": "demo-caseworker", "C": "demo-caseworker", "A": "demo-admin", "B": "demo-bpjs",
          "H": "demo-primaya", "D": "demo-daya", "S": "demo-supervisor"}
PLACEHOLDER = re.compile(r"^([A-Z]=<[^>]+>;?\s*)+$")
STATUS = re.compile(r"^@@(\d{3})$", re.M)


def walkthroughs() -> list[str]:
    blocks = re.findall(r"^```sh\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S)
    return [block for block in blocks if "curl " in block and "waits for the clock" not in block]


def run_block(block: str, port: int, tokens: dict[str, str], workdir: Path) -> str:
    lines = [line for line in block.splitlines() if not PLACEHOLDER.match(line.strip())]
    script = "\n".join([
        "set -u",
        *(f"{name}={tokens[user]}" for name, user in TOKENS.items()),
        "curl() { command curl -sS -w '\\n@@%{http_code}\\n' \"$@\"; }",
        *lines,
    ]).replace("http://127.0.0.1:8000", f"http://127.0.0.1:{port}")
    # the CLI in a block reaches the server's database: the same instance folder (as start_serve sets it)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "BERJASA_INSTANCE_PATH": str(workdir / "instance")}
    done = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_walkthroughs_work_as_written(tmp_path):
    port, process = start_serve(tmp_path, "--demo")
    try:
        wait_for_port(port, timeout=60)
        tokens = dict(line.split()[1:3] for line in (process.stdout.readline() for _ in range(6)))
        outputs = [run_block(block, port, tokens, tmp_path) for block in walkthroughs()]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    statuses = [int(code) for output in outputs for code in STATUS.findall(output)]
    assert len(statuses) >= 20
    assert [s for s in statuses if s >= 500] == []
    # the errors the README shows: another hospital's claim (404) and an invalid hospital (422)
    assert sorted(s for s in statuses if s >= 400) == [404, 422]
    assert '"state":"closed"' in "".join(outputs).replace(" ", "")
