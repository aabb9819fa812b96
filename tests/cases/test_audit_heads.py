"""The audit check compares each chain's end with its case row (version, head hash), so it also finds tampering
that leaves a consistent chain: the newest event deleted, every event deleted, the newest edited and re-hashed.
On SQLite and PostgreSQL, through `audit.verify`, `berjasa audit verify` and POST /api/v1/audit/verifications."""

from __future__ import annotations

import hashlib
import io
import time

import pytest
import sqlalchemy as sa

from berjasa import demo
from berjasa.db import db
from berjasa.enrolment import imports
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from tests.cases.test_audit import lift_guard, verify_cli
from tests.conftest import bearer
from tests.enrolment.helpers import Api
from tests.enrolment.test_imports import csv_bytes


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request):
    """Two enrolments made over the API (the first verified: two events), on SQLite or PostgreSQL."""
    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    with app.app_context(), db.new_session() as session:
        tokens = {u: t for _r, u, t in demo.seed(session=session, secret_key=app.config["SECRET_KEY"])}
    api = Api(app.test_client(), tokens)
    first = api.enrolment(api.participant(1)["id"])
    api.fire(first, "verify")
    api.enrolment(api.participant(2)["id"])
    return app, api


def check(app):
    with app.app_context(), db.new_session() as session, session.begin():
        return audit.verify(session)


def tamper(app, statement):
    with app.app_context(), db.new_session() as session, session.begin():
        lift_guard(session)
        session.execute(statement)


def event(app, case_id, seq):
    with app.app_context(), db.new_session() as session, session.begin():
        return session.scalar(sa.select(CaseEvent).where(CaseEvent.case_type == "enrolment",
                                                         CaseEvent.case_id == case_id, CaseEvent.seq == seq))


def test_an_untouched_log_is_intact(world):
    app, _api = world
    result = check(app)
    assert (result.events, result.cases, result.broken_cases, result.first_break) == (3, 2, 0, None)


def test_deleting_the_newest_event_is_found(world):
    app, _api = world
    newest = event(app, 1, 2)
    tamper(app, sa.delete(CaseEvent).where(CaseEvent.id == newest.id))
    result = check(app)
    assert result.broken_cases == 1
    assert result.first_break.as_dict() == {
        "event_id": event(app, 1, 1).id, "case_type": "enrolment", "case_id": 1, "seq": 1,
        "problem": "the chain ends at seq 1 but the case is at version 2 (newest events deleted?)"}
    cli = verify_cli(app)
    assert cli.returncode == 1
    assert "audit log BROKEN in 1 of 2 case(s); first: case_events id=" in cli.stderr
    with app.app_context():
        db.engine.dispose()


def test_deleting_every_event_of_a_case_is_found(world):
    app, _api = world
    tamper(app, sa.delete(CaseEvent).where(CaseEvent.case_type == "enrolment", CaseEvent.case_id == 2))
    result = check(app)
    assert (result.cases, result.events, result.broken_cases) == (2, 2, 1)
    assert str(result.first_break) == "enrolment 2: the case is at version 1 but has no audit events (all deleted?)"


def test_editing_the_newest_event_and_recomputing_its_hash_is_found(world):
    app, _api = world
    newest = event(app, 1, 2)
    newest.actor = "someone-else"
    forged = hashlib.sha256(audit.canonical(newest)).hexdigest()
    tamper(app, sa.update(CaseEvent).where(CaseEvent.id == newest.id).values(actor="someone-else", hash=forged))
    result = check(app)
    assert result.broken_cases == 1
    assert (result.first_break.event_id, result.first_break.problem) == (
        newest.id, "the case row's head hash does not match its newest event (edited and re-hashed?)")


def test_events_without_a_case_row_are_found(world):
    app, _api = world
    tamper(app, sa.text("DELETE FROM enrolments WHERE id = 2"))
    result = check(app)
    assert (result.broken_cases, result.first_break.case_id, result.first_break.problem) == (
        1, 2, "no case row has these events")


def test_bulk_imported_cases_keep_their_head_hash_and_an_edit_is_found(world):
    app, _api = world
    with app.app_context(), db.new_session() as session:
        batch = imports.start_import(session=session, requested_by="x", filename="f.csv",
                                     file=io.BytesIO(csv_bytes(20, seed=3)), background=False)
        imports.run_import(session=session, batch_id=batch.id, actor=audit_actor())
        with session.begin():
            heads = session.execute(sa.text(
                "SELECT e.version, e.last_event_hash = c.hash FROM enrolments e JOIN case_events c "
                "ON c.case_type = 'enrolment' AND c.case_id = e.id WHERE e.import_batch_id IS NOT NULL")).all()
    assert len(heads) == 20 and {tuple(h) for h in heads} == {(1, True)}
    result = check(app)
    assert (result.cases, result.broken_cases) == (22, 0)
    imported = event(app, 3, 1)
    imported.actor = "someone-else"
    forged = hashlib.sha256(audit.canonical(imported)).hexdigest()
    tamper(app, sa.update(CaseEvent).where(CaseEvent.id == imported.id).values(actor="someone-else", hash=forged))
    result = check(app)
    assert (result.broken_cases, result.first_break.event_id, result.first_break.problem) == (
        1, imported.id, "the case row's head hash does not match its newest event (edited and re-hashed?)")


def audit_actor():
    from berjasa.auth.service import Actor

    return Actor.system("test-import")


def test_supervisors_run_the_check_over_http(world):
    app, api = world
    from workers import embedded

    supervisor = bearer(api.tokens["demo-supervisor"])
    newest = event(app, 1, 2)
    tamper(app, sa.delete(CaseEvent).where(CaseEvent.id == newest.id))
    assert api.client.post("/api/v1/audit/verifications", headers=bearer(api.tokens["demo-caseworker"])
                           ).status_code == 403
    runtime = embedded.start(app, threads=2, tick_seconds=60)
    try:
        started = api.client.post("/api/v1/audit/verifications", headers=supervisor)
        assert started.status_code == 202
        assert started.headers["Location"] == f"/api/v1/audit/verifications/{started.get_json()['id']}"
        assert (started.get_json()["status"], started.get_json()["intact"]) == ("queued", None)
        deadline, run = time.monotonic() + 30, started.get_json()
        while run["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
            run = api.client.get(started.headers["Location"], headers=supervisor).get_json()
    finally:
        runtime.stop()
    assert {k: run[k] for k in ("status", "intact", "events", "cases", "broken_cases", "first_break")} == {
        "status": "done", "intact": False, "events": 2, "cases": 2, "broken_cases": 1,
        "first_break": {"event_id": event(app, 1, 1).id, "case_type": "enrolment", "case_id": 1, "seq": 1,
                        "problem": "the chain ends at seq 1 but the case is at version 2 (newest events deleted?)"}}
    assert run["finished_at"].endswith("+08:00") and run["requested_by"] == "demo-supervisor"
    listed = api.client.get("/api/v1/audit/verifications", headers=supervisor).get_json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]
