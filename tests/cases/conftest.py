import pytest

from berjasa.auth.service import Actor
from berjasa.db import db
from tests.cases.sample import create_table
from workflows.roles import Role


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_app(request):
    """The app on SQLite and on PostgreSQL, with the sample case table."""
    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    with app.app_context():
        create_table(db.engine)
    return app


@pytest.fixture
def session(engine_app):
    with engine_app.app_context(), db.new_session() as session:
        yield session


def actor(role: Role, username: str | None = None, party: str = "DISNAKER-MKS") -> Actor:
    return Actor(None, username or role.value, role, None, "disnaker", party)


CASEWORKER = actor(Role.CASEWORKER)
SUPERVISOR = actor(Role.SUPERVISOR)
BPJS = actor(Role.BPJS_OFFICER, party="BPJSTK-SULAMA")
