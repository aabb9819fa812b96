from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine

from berjasa.db import db
from tests.claims.helpers import ClaimsApi
from workflows.calendar import WITA


def wita(*args) -> datetime:
    return datetime(*args, tzinfo=WITA)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request):
    """The app on SQLite and on PostgreSQL, seeded with the demo parties and users."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


@pytest.fixture
def api(any_app):
    from berjasa import demo

    with any_app.app_context(), db.new_session() as session:
        lines = demo.seed(session=session, secret_key=any_app.config["SECRET_KEY"])
    return ClaimsApi(any_app.test_client(), {username: token for _, username, token in lines})


@pytest.fixture
def travel():
    """Move the clock: travel(datetime) freezes time there until the next call."""
    traveller = []

    def to(moment: datetime):
        while traveller:
            traveller.pop().stop()
        machine = time_machine.travel(moment, tick=False)
        machine.start()
        traveller.append(machine)

    yield to
    while traveller:
        traveller.pop().stop()


def tick(app, now):
    from berjasa.sla.service import tick as run

    with app.app_context(), db.new_session() as session:
        return run(session=session, now=now)


def rows(app, statement):
    with app.app_context(), db.new_session() as session, session.begin():
        return session.execute(statement).all()


def outbox_types(app, prefix="sla."):
    from berjasa.events.models import OutboxEvent

    return [t for (t,) in rows(app, sa.select(OutboxEvent.event_type).where(OutboxEvent.event_type.like(prefix + "%"))
                               .order_by(OutboxEvent.id))]
