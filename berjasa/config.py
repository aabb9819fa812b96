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
        # A worker silent this long is dead; its unacknowledged messages go back on the queue.
        "BROKER_HEARTBEAT_TIMEOUT_MS": 20000,
        # Out of a million broker commands, how many also run that requeue maintenance (see workers/broker.py).
        "BROKER_MAINTENANCE_CHANCE": 10000,
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
        # A TOML file that changes the SLA policies' durations (see berjasa/sla/policies.py); empty: the defaults.
        "SLA_POLICIES": "",
        # How many clocks one tick transaction handles (the tick repeats until nothing is due).
        "TICK_BATCH": 500,
        # Notifications: while a clock stays breached, a reminder every so many working days, at most so often.
        "REMINDER_EVERY_WORKING_DAYS": 3,
        "REMINDER_MAX": 5,
        # Webhooks: loopback and private targets are refused unless allowed (tests, a gateway on the same host).
        "WEBHOOK_ALLOW_PRIVATE": False,
        "WEBHOOK_TIMEOUT_SECONDS": 10,
        # Attempts per delivery (back-off 5 s, 20 s, 80 s ... capped at 8 h: 10 attempts span about a day).
        "WEBHOOK_MAX_ATTEMPTS": 10,
        # Failed attempts in a row (any delivery) after which an endpoint is disabled and the admins told.
        "WEBHOOK_DISABLE_AFTER": 50,
        # How long a queued or started attempt may take before the tick hands its delivery over again (a worker
        # killed mid-send); keep it well above WEBHOOK_TIMEOUT_SECONDS.
        "DELIVERY_LEASE_SECONDS": 120,
        # E-mail: smtp://[user:password@]host[:port][?starttls=true] or smtps://...; empty: no e-mail at all.
        "SMTP_URL": "",
        "SMTP_FROM": "Berjasa <berjasa@localhost>",
        # The daily digest goes out on the first tick after this hour (WITA); "due soon" looks this many days ahead.
        "DIGEST_HOUR": 7,
        "DIGEST_DUE_SOON_DAYS": 3,
        # Where people reach the API: the links in e-mails and webhook bodies start with it.
        "PUBLIC_URL": "http://127.0.0.1:8000",
        # Cross-checks. The lapse rule (3 months of arrears) is UNCONFIRMED in regulation: a setting; with
        # CHECK_ARREARS_LAPSE the system lapses such enrolments itself.
        "CHECK_ARREARS_MONTHS": 3,
        "CHECK_ARREARS_LAPSE": False,
        # A claim in hospital care this many days with no BPJS decision is a discrepancy.
        "CHECK_ADMITTED_DAYS": 7,
        # Names for one NIK that score below this (rapidfuzz token_sort_ratio, 0-100) differ.
        "CHECK_NAME_SCORE": 85,
        # Every check runs in full on the first tick after this hour (WITA), once a day.
        "CHECK_NIGHTLY_HOUR": 2,
        # A TOML file with the UCJ targets and denominators per kecamatan (berjasa/reports/targets.py); empty: the
        # city's targets and no denominator.
        "UCJ_CONFIG": "",
        # The web pages: a signed session cookie (HttpOnly, SameSite=Lax; Secure once served over HTTPS), valid
        # for a working day; after so many wrong passwords in a row an account is locked for a while.
        "SESSION_COOKIE_NAME": "berjasa_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_SECONDS": 15 * 60,
        # argon2id cost of a password hash (RFC 9106's second recommendation); a sign-in rehashes a weaker one.
        "PASSWORD_HASH_TIME_COST": 3,
        "PASSWORD_HASH_MEMORY_KIB": 64 * 1024,
        # Retention: published outbox rows, processed-message records, fired timers and finished deliveries older
        # than this many days are pruned by the tick, RETENTION_BATCH rows per transaction. At least the embedded
        # mode's redelivery window (berjasa.events.outbox.REDELIVERY_WINDOW), see berjasa/retention.py.
        "RETENTION_DAYS": 30,
        "RETENTION_BATCH": 1000,
        # Personal data (UU 27/2022): a participant with no open case for this many years is pseudonymised by
        # `berjasa privacy retention --apply` (5: a JKK claim expires 5 years after the accident). UNCONFIRMED.
        "PERSONAL_DATA_RETENTION_YEARS": 5,
        # GET /metrics: answered only with this bearer token, or to anyone when METRICS_PUBLIC is on; else 404.
        "METRICS_TOKEN": "",
        "METRICS_PUBLIC": False,
        # Where `berjasa worker` and `berjasa scheduler` serve their own metrics (plain HTTP, no token; port 0: off).
        "METRICS_HOST": "127.0.0.1",
        "WORKER_METRICS_PORT": 9191,
        "SCHEDULER_METRICS_PORT": 9192,
    }


def broker_settings() -> dict[str, Any]:
    """The broker's settings as the app reads them (defaults < BERJASA_* environment), for a process that
    must configure Dramatiq before any app exists (workers/broker.py)."""
    from flask import Config

    config = Config(os.getcwd())
    config.update(defaults(os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH", "instance")))
    config.from_prefixed_env(ENV_PREFIX)
    _check_broker_url(config)
    for key in ("BROKER_HEARTBEAT_TIMEOUT_MS", "BROKER_MAINTENANCE_CHANCE"):
        _check_positive_int(config, key)
    return {key: config[key] for key in ("BROKER_URL", "BROKER_NAMESPACE", "BROKER_HEARTBEAT_TIMEOUT_MS",
                                         "BROKER_MAINTENANCE_CHANCE")}


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
                "TICK_BATCH",
                "RELAY_BATCH", "RELAY_POLL_SECONDS", "BROKER_HEARTBEAT_TIMEOUT_MS", "BROKER_MAINTENANCE_CHANCE"):
        _check_positive_int(config, key)
    _check_positive_int(config, "RELAY_GATHER_MS", minimum=0)
    for key in ("ELIGIBLE_MAX_DECILE", "PREMIUM_JKK_RATE_BP", "PREMIUM_JKM_MONTHLY", "PREMIUM_JHT_RATE_BP",
                "DEFAULT_DECLARED_INCOME", "IMPORT_MAX_BYTES"):
        _check_positive_int(config, key, minimum=0)
    _check_cohorts(config)
    _check_sla_policies(config)
    _check_ucj(config)
    _check_notifications(config)
    _check_checks(config)
    _check_web(config)
    _check_operations(config)
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


def _check_notifications(config: dict[str, Any]) -> None:
    for key in ("REMINDER_EVERY_WORKING_DAYS", "WEBHOOK_TIMEOUT_SECONDS", "WEBHOOK_MAX_ATTEMPTS",
                "WEBHOOK_DISABLE_AFTER", "DIGEST_DUE_SOON_DAYS", "DELIVERY_LEASE_SECONDS"):
        _check_positive_int(config, key)
    _check_positive_int(config, "REMINDER_MAX", minimum=0)
    _check_positive_int(config, "DIGEST_HOUR", minimum=0)
    if config["DIGEST_HOUR"] > 23:
        raise ConfigError(f"{_name('DIGEST_HOUR')} must be an hour from 0 to 23, not {config['DIGEST_HOUR']}")
    allow = config.get("WEBHOOK_ALLOW_PRIVATE")
    if isinstance(allow, str):
        allow = allow.strip().lower() in ("1", "true", "yes", "on")
    config["WEBHOOK_ALLOW_PRIVATE"] = bool(allow)
    smtp = str(config.get("SMTP_URL") or "")
    if smtp and not smtp.startswith(("smtp://", "smtps://")):
        raise ConfigError(f"{_name('SMTP_URL')} must be an smtp:// or smtps:// URL (or empty: no e-mail)")
    config["SMTP_URL"] = smtp
    url = str(config.get("PUBLIC_URL") or "")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{_name('PUBLIC_URL')} must be an http:// or https:// URL, not {url!r}")
    config["PUBLIC_URL"] = url.rstrip("/")


def _check_checks(config: dict[str, Any]) -> None:
    for key in ("CHECK_ARREARS_MONTHS", "CHECK_ADMITTED_DAYS"):
        _check_positive_int(config, key)
    for key in ("CHECK_NAME_SCORE", "CHECK_NIGHTLY_HOUR"):
        _check_positive_int(config, key, minimum=0)
    if config["CHECK_NAME_SCORE"] > 100:
        raise ConfigError(f"{_name('CHECK_NAME_SCORE')} must be a score from 0 to 100")
    if config["CHECK_NIGHTLY_HOUR"] > 23:
        raise ConfigError(f"{_name('CHECK_NIGHTLY_HOUR')} must be an hour from 0 to 23")
    lapse = config.get("CHECK_ARREARS_LAPSE")
    if isinstance(lapse, str):
        lapse = lapse.strip().lower() in ("1", "true", "yes", "on")
    config["CHECK_ARREARS_LAPSE"] = bool(lapse)


def _check_web(config: dict[str, Any]) -> None:
    for key in ("PERMANENT_SESSION_LIFETIME", "LOGIN_MAX_FAILURES", "LOGIN_LOCK_SECONDS", "PASSWORD_HASH_TIME_COST"):
        _check_positive_int(config, key)
    _check_positive_int(config, "PASSWORD_HASH_MEMORY_KIB", minimum=32)  # argon2: 8 KiB per lane, 4 lanes
    secure = config.get("SESSION_COOKIE_SECURE")
    if isinstance(secure, str):
        secure = secure.strip().lower() in ("1", "true", "yes", "on")
    config["SESSION_COOKIE_SECURE"] = bool(secure)


def _check_operations(config: dict[str, Any]) -> None:
    from berjasa.events.outbox import REDELIVERY_WINDOW

    window = REDELIVERY_WINDOW.days
    _check_positive_int(config, "RETENTION_DAYS")
    if config["RETENTION_DAYS"] < window:
        raise ConfigError(f"{_name('RETENTION_DAYS')} must be at least {window}, not {config['RETENTION_DAYS']}: the "
                          f"embedded mode hands the unfinished events of the last {window} days to their consumers "
                          "again at start, and their processed-message records must still be there then")
    for key in ("RETENTION_BATCH", "PERSONAL_DATA_RETENTION_YEARS"):
        _check_positive_int(config, key)
    for key in ("WORKER_METRICS_PORT", "SCHEDULER_METRICS_PORT"):  # 0: no metrics server
        _check_positive_int(config, key, minimum=0)
    public = config.get("METRICS_PUBLIC")
    if isinstance(public, str):
        public = public.strip().lower() in ("1", "true", "yes", "on")
    config["METRICS_PUBLIC"] = bool(public)
    token = str(config.get("METRICS_TOKEN") or "")
    if token and len(token) < 16:
        raise ConfigError(f"{_name('METRICS_TOKEN')} must be at least 16 characters long (or empty: no token)")
    config["METRICS_TOKEN"] = token


def _check_sla_policies(config: dict[str, Any]) -> None:
    from berjasa.sla.policies import PolicyError, load

    try:
        load(str(config.get("SLA_POLICIES") or ""))
    except PolicyError as exc:
        raise ConfigError(f"{_name('SLA_POLICIES')}: {exc}") from None


def _check_ucj(config: dict[str, Any]) -> None:
    from berjasa.reports.targets import TargetsError, load

    try:
        load(str(config.get("UCJ_CONFIG") or ""))
    except TargetsError as exc:
        raise ConfigError(f"{_name('UCJ_CONFIG')}: {exc}") from None


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
