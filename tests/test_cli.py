"""The console script as a newcomer meets it: its own commands, its version, and `ping` in the embedded mode."""

import os
import signal
import subprocess
import sys

import sqlalchemy as sa

from tests.services import wait_for_port
from tests.test_serve import start_serve
from tests.workers.processes import ROOT

COMMANDS = ["audit", "backup", "checks", "db", "demo", "import", "openapi", "ping", "privacy", "prune",
            "reports", "scheduler", "serve", "sla", "users", "worker"]


def berjasa(tmp_path, *args, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env["BERJASA_INSTANCE_PATH"] = str(tmp_path / "instance")
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_help_shows_berjasas_commands_only(tmp_path):
    shown = berjasa(tmp_path, "--help").stdout
    listed = [line.split()[0] for line in shown.split("Commands:")[1].splitlines() if line.startswith("  ")]
    assert listed == COMMANDS
    assert "--app" not in shown and "--env-file" not in shown and "Flask" not in shown
    assert berjasa(tmp_path, "--version").stdout == "berjasa 0.1.0\n"


def test_ping_in_the_embedded_mode_asks_the_running_server(tmp_path):
    alone = berjasa(tmp_path, "ping", "--timeout", "2")
    assert alone.returncode == 1
    assert "no worker handled the ping within 2s: in the embedded mode the worker runs inside `berjasa serve`" \
        in alone.stderr
    database = sa.create_engine(f"sqlite:///{tmp_path / 'instance' / 'berjasa.db'}")
    with database.connect() as connection:  # no worker was started here: the request waits in the outbox
        assert connection.scalar(sa.text("SELECT count(*) FROM pings")) == 0
        assert connection.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) == 1
    port, server = start_serve(tmp_path)
    try:
        wait_for_port(port, timeout=60)
        answered = berjasa(tmp_path, "ping", "--timeout", "30")
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.startswith("pong from ") and answered.stdout.split()[2].endswith(f":{server.pid}")
    assert answered.stderr == ""
    with database.connect() as connection:  # the first request too, once the server's relay saw it
        assert connection.scalar(sa.text("SELECT count(*) FROM pings")) == 2
    database.dispose()


def test_reports_rebuild_counts_what_it_computed(tmp_path):
    done = berjasa(tmp_path, "reports", "rebuild")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "sla: 0, claims: 0, enrolment_stays: 0, coverage: 0\n"
