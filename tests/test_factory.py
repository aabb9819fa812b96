import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from berjasa import create_app
from berjasa.config import ConfigError
from tests.conftest import SECRET


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("BERJASA_"):
            monkeypatch.delenv(key)


def test_test_config_overrides_defaults(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": SECRET,
                      "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert app.testing
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/x.db"
    assert app.config["BROKER_URL"] == ""
    assert app.config["AUTO_MIGRATE"] is True  # embedded mode migrates itself


def test_defaults_are_the_embedded_mode(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'berjasa.db'}"
    assert app.config["BROKER_URL"] == ""
    secret_file = tmp_path / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == secret_file.read_text()
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_environment_is_read_with_the_prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("BERJASA_TICK_SECONDS", "45")
    monkeypatch.setenv("BERJASA_LOG_FORMAT", "JSON")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["TICK_SECONDS"] == 45
    assert app.config["LOG_FORMAT"] == "json"


def test_postgres_urls_use_psycopg3(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgresql://u:p@127.0.0.1/db"})
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://u:p@127.0.0.1/db"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BERJASA_BROKER_URL": "redis://127.0.0.1:6379/0", "BERJASA_DATABASE_URL": "postgresql://h/db"},
         "BERJASA_SECRET_KEY"),
        ({"BERJASA_BROKER_URL": "redis://127.0.0.1:6379/0", "BERJASA_SECRET_KEY": SECRET},
         "BERJASA_DATABASE_URL"),
        ({"BERJASA_BROKER_URL": "amqp://127.0.0.1"}, "BERJASA_BROKER_URL"),
        ({"BERJASA_DATABASE_URL": "mysql://h/db"}, "BERJASA_DATABASE_URL"),
        ({"BERJASA_DATABASE_URL": "not a url"}, "BERJASA_DATABASE_URL"),
        ({"BERJASA_DB_POOL_SIZE": "many"}, "BERJASA_DB_POOL_SIZE"),
        ({"BERJASA_TICK_SECONDS": "0"}, "BERJASA_TICK_SECONDS"),
        ({"BERJASA_LOG_FORMAT": "xml"}, "BERJASA_LOG_FORMAT"),
        ({"BERJASA_SECRET_KEY": "short"}, "BERJASA_SECRET_KEY"),
    ],
)
def test_bad_settings_fail_naming_the_variable(tmp_path, monkeypatch, env, variable):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=variable):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_cli_reports_a_bad_setting_in_one_line(tmp_path):
    env = {**os.environ, "BERJASA_INSTANCE_PATH": str(tmp_path), "BERJASA_BROKER_URL": "redis://127.0.0.1:1/0",
           "BERJASA_DATABASE_URL": "postgresql://127.0.0.1/x"}
    result = subprocess.run([sys.executable, "-m", "workers.cli", "db", "upgrade"], env=env,
                            capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["berjasa: configuration error: BERJASA_SECRET_KEY is required when BERJASA_BROKER_URL is set"]
