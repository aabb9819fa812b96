from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from berjasa import create_app, migrate
from berjasa.db import db
from tests.services import RedisServer, postgres_database, redis_server_binary, unavailable
from workers.app import use_app

SECRET = "test-secret-" + "x" * 40


def make_app(tmp_path: Path, database_url: str, **overrides) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        # cheap password hashes: the demo seed hashes six passwords per test
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 64,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "BROKER_URL": "",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "berjasa.db"
    app = make_app(path.parent, f"sqlite:///{path}")
    with app.app_context():
        migrate.upgrade(db.engine)
        db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path: Path, sqlite_template: Path) -> Iterator[Flask]:
    path = tmp_path / "berjasa.db"
    shutil.copy(sqlite_template, path)
    app = make_app(tmp_path, f"sqlite:///{path}")
    use_app(app)  # actors run in this app, as in `berjasa serve`
    yield app
    use_app(None)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def tokens(app: Flask) -> dict[str, str]:
    """Seed the demo data; return each demo user's token by username."""
    from berjasa import demo

    with app.app_context(), db.new_session() as session:
        lines = demo.seed(session=session, secret_key=app.config["SECRET_KEY"])
    return {username: token for _role, username, token in lines}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = os.environ.get("BERJASA_TEST_DATABASE_URL", "")
    if not url:
        unavailable("PostgreSQL (set BERJASA_TEST_DATABASE_URL)")
    try:
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except sa.exc.OperationalError as exc:
        unavailable(f"PostgreSQL at BERJASA_TEST_DATABASE_URL ({type(exc).__name__})")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    with postgres_database(pg_admin_url) as url:
        yield url


@pytest.fixture
def pg_app(tmp_path: Path, pg_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, pg_url)
    with app.app_context():
        migrate.upgrade(db.engine)
    use_app(app)
    yield app
    use_app(None)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: our own redis-server, or BERJASA_TEST_REDIS_URL."""
    url = os.environ.get("BERJASA_TEST_REDIS_URL")
    if url:
        yield url
        return
    if redis_server_binary() is None:
        unavailable("Redis (no redis-server on PATH, BERJASA_TEST_REDIS_URL unset)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_app(request):
    """The app on SQLite and on PostgreSQL, with the reference workflow's case table."""
    from tests.cases.sample import create_table

    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    with app.app_context():
        create_table(db.engine)
    return app


@pytest.fixture
def session(engine_app):
    with engine_app.app_context(), db.new_session() as session:
        yield session
