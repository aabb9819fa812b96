"""The transaction boundary: unit_of_work writes the outbox, commits, then wakes the relay; nothing leaks."""

import subprocess
import sys

import pytest
import sqlalchemy as sa

from berjasa.db import db
from berjasa.events import outbox
from berjasa.events.models import OutboxEvent
from berjasa.transaction import unit_of_work
from tests.workers.processes import ROOT


@pytest.fixture
def nudges(engine_app):
    calls = []
    engine_app.extensions[outbox.EXTENSION] = lambda: calls.append(len(calls) + 1)
    return calls


def count_outbox(session):
    with session.begin():
        return session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent))


def test_events_are_written_at_the_commit_and_the_relay_is_woken_after_it(session, nudges):
    with unit_of_work(session):
        outbox.emit(session, "sample.thing", payload={"n": 1})
        outbox.emit(session, "sample.thing", payload={"n": 2})
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 0  # still buffered
        assert nudges == []
    assert count_outbox(session) == 2
    assert nudges == [1]
    with unit_of_work(session):
        pass  # no events: no nudge
    assert nudges == [1]


def test_a_failed_unit_of_work_writes_no_event_and_wakes_nobody(session, nudges):
    with pytest.raises(RuntimeError), unit_of_work(session):
        outbox.emit(session, "sample.thing")
        raise RuntimeError("the request failed")
    assert count_outbox(session) == 0 and nudges == []
    with unit_of_work(session):  # the session is usable, and the dropped event does not come back
        outbox.emit(session, "sample.other")
    with session.begin():
        assert session.scalars(sa.select(OutboxEvent.event_type)).all() == ["sample.other"]


def test_events_belong_inside_a_unit_of_work_and_units_do_not_nest(session):
    with pytest.raises(RuntimeError, match="inside a unit of work"), session.begin():
        outbox.emit(session, "sample.thing")
    with unit_of_work(session):
        outbox.emit(session, "sample.outer")
        with pytest.raises(RuntimeError, match="already open"), unit_of_work(session):
            pass
    with session.begin():
        assert session.scalars(sa.select(OutboxEvent.event_type)).all() == ["sample.outer"]


def test_the_database_module_does_not_import_the_outbox():
    # the boundary is one module (berjasa.transaction) on top of both: no cycle between db and events
    code = "import sys, berjasa.db; print('berjasa.events.outbox' in sys.modules, 'berjasa.transaction' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.postgres
@pytest.mark.parametrize(("method", "path", "autocommit"), [("GET", "/api/v1/me", True),
                                                          ("POST", "/api/v1/enrolments", False)])
def test_a_get_reads_in_autocommit_on_postgresql_and_a_post_in_one_transaction(pg_app, method, path, autocommit):
    """Policy READS: a GET's statements run with no BEGIN/ROLLBACK around them. Policy CARRY ON: a POST's token
    look-up opens the transaction its write then carries on (one transaction for the whole request)."""
    from berjasa import demo

    with pg_app.app_context(), db.new_session() as session:
        token = {u: t for _, u, t in demo.seed(session=session, secret_key=pg_app.config["SECRET_KEY"])}[
            "demo-caseworker"]
        engine = db.engine
    seen = []

    def record(conn, _cursor, statement, _params, _context, _many):
        seen.append((conn.connection.dbapi_connection.autocommit, conn.in_transaction(), statement.split()[0]))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = pg_app.test_client().open(path, method=method, json={"participant_id": 1} if method == "POST"
                                              else None, headers={"Authorization": f"Bearer {token}"})
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert response.status_code in (200, 422)
    assert len(seen) >= 2 and {mode for mode, _, _ in seen} == {autocommit}
    if method == "POST":
        assert all(in_transaction for _, in_transaction, _ in seen)  # the token read and the write: one transaction
