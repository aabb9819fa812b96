"""Settings: defaults for the embedded mode, BERJASA_* environment variables, and validation."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "BERJASA"
LOG_FORMATS = ("text", "json")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the environment variable."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings that give the embedded mode: SQLite under instance/, no broker."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'berjasa.db'}",
        "BROKER_URL": "",
        "BROKER_NAMESPACE": "berjasa",
        "RELAY_BATCH": 500,
        "RELAY_POLL_SECONDS": 1,
        "RELAY_GATHER_MS": 20,
        "SECRET_KEY": "",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "DB_POOL_SIZE": 10,
        "SQLITE_BUSY_TIMEOUT_MS": 15000,
        "WORKER_THREADS": 4,
        "TICK_SECONDS": 30,
        "AUTO_MIGRATE": None,
        # Eligibility and premiums: UNCONFIRMED in DOMAIN.md, so settings, never constants.
        "ELIGIBLE_MAX_DECILE": 4,
        "ELIGIBLE_COHORTS": "rt_rw,non_asn,posyandu_kb_cadre,religious_worker,election_organiser",
        "ELIGIBLE_WITH_DISABILITY": True,
        "PREMIUM_JKK_RATE_BP": 100,
        "PREMIUM_JKM_MONTHLY": 6800,
        "PREMIUM_JHT_RATE_BP": 200,
        "DEFAULT_DECLARED_INCOME": 1_000_000,
        "IMPORT_MAX_BYTES": 512 * 1024 * 1024,  # a million DTSEN rows are about 150 MB
    }


def is_production(config: dict[str, Any]) -> bool:
    """Production mode means a real broker: API, workers and scheduler run as separate processes."""
    return bool(config.get("BROKER_URL"))


def validate(config: dict[str, Any], instance_path: str) -> None:
    """Check and normalise settings in place; raise ConfigError naming the first bad variable."""
    _check_database_url(config)
    _check_broker_url(config)
    _check_choice(config, "LOG_FORMAT", LOG_FORMATS)
    _check_choice(config, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"))
    for key in ("MAX_CONTENT_LENGTH", "DB_POOL_SIZE", "SQLITE_BUSY_TIMEOUT_MS", "WORKER_THREADS", "TICK_SECONDS",
                "RELAY_BATCH", "RELAY_POLL_SECONDS"):
        _check_positive_int(config, key)
    _check_positive_int(config, "RELAY_GATHER_MS", minimum=0)
    for key in ("ELIGIBLE_MAX_DECILE", "PREMIUM_JKK_RATE_BP", "PREMIUM_JKM_MONTHLY", "PREMIUM_JHT_RATE_BP",
                "DEFAULT_DECLARED_INCOME", "IMPORT_MAX_BYTES"):
        _check_positive_int(config, key, minimum=0)
    _check_cohorts(config)
    _check_secret_key(config, instance_path)
    _make_instance_folder(config, instance_path)
    if config["AUTO_MIGRATE"] is None:
        config["AUTO_MIGRATE"] = not is_production(config)


def _name(key: str) -> str:
    return f"{ENV_PREFIX}_{key}"


def _check_database_url(config: dict[str, Any]) -> None:
    raw = config.get("DATABASE_URL")
    try:
        url = make_url(str(raw))
    except ArgumentError:
        raise ConfigError(f"{_name('DATABASE_URL')} is not a database URL: {raw!r}") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"{_name('DATABASE_URL')} must be sqlite:/// or postgresql://, not {backend}://")
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if is_production(config) and backend != "postgresql":
        raise ConfigError(f"{_name('DATABASE_URL')} must be a postgresql:// URL when {_name('BROKER_URL')} is set")
    config["DATABASE_URL"] = url.render_as_string(hide_password=False)


def _check_broker_url(config: dict[str, Any]) -> None:
    raw = str(config.get("BROKER_URL") or "")
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{_name('BROKER_URL')} must be a redis:// URL (or empty for the embedded mode)")
    config["BROKER_URL"] = raw


def _check_choice(config: dict[str, Any], key: str, choices: tuple[str, ...]) -> None:
    value = str(config.get(key)).strip()
    value = value.upper() if key == "LOG_LEVEL" else value.lower()
    if value not in choices:
        raise ConfigError(f"{_name(key)} must be one of {', '.join(choices)}, not {config.get(key)!r}")
    config[key] = value


def _check_positive_int(config: dict[str, Any], key: str, minimum: int = 1) -> None:
    value = config.get(key)
    problem = f"{_name(key)} must be a whole number of at least {minimum}, not {value!r}"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(problem)
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(problem) from None
    if number < minimum:
        raise ConfigError(problem)
    config[key] = number


def _make_instance_folder(config: dict[str, Any], instance_path: str) -> None:
    """The embedded database lives in the instance folder: make the folder (not any other one) on first start."""
    url = make_url(config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database and Path(url.database).parent == Path(instance_path):
        Path(instance_path).mkdir(parents=True, exist_ok=True)


def _check_cohorts(config: dict[str, Any]) -> None:
    from berjasa.registry.enums import Cohort

    names = [c.strip() for c in str(config.get("ELIGIBLE_COHORTS") or "").split(",") if c.strip()]
    unknown = [n for n in names if n not in Cohort.__members__]
    if unknown:
        raise ConfigError(f"{_name('ELIGIBLE_COHORTS')}: unknown cohort(s) {', '.join(unknown)}")


def _check_secret_key(config: dict[str, Any], instance_path: str) -> None:
    key = str(config.get("SECRET_KEY") or "")
    if not key and is_production(config):
        raise ConfigError(f"{_name('SECRET_KEY')} is required when {_name('BROKER_URL')} is set")
    if not key:
        key = _instance_secret(Path(instance_path))
    if len(key) < 32:
        raise ConfigError(f"{_name('SECRET_KEY')} must be at least 32 characters long")
    config["SECRET_KEY"] = key


def _instance_secret(instance_path: Path) -> str:
    """The embedded mode's secret: made once, kept in instance/secret_key so demo tokens survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
