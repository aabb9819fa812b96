"""Editing one stored event breaks the chain, and `berjasa audit verify` names it."""

import os
import subprocess
import sys

import sqlalchemy as sa

from berjasa.db import db
from berjasa.events import audit
from berjasa.events.models import CaseEvent
from tests.cases.conftest import CASEWORKER, SUPERVISOR
from tests.cases.sample import fire, open_case
from tests.conftest import SECRET
from tests.workers.processes import ROOT


def verify_cli(app):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env.update(BERJASA_DATABASE_URL=app.config["DATABASE_URL"], BERJASA_SECRET_KEY=SECRET,
               BERJASA_INSTANCE_PATH=app.instance_path, BERJASA_AUTO_MIGRATE="false")
    return subprocess.run([sys.executable, "-m", "workers.cli", "audit", "verify"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def lift_guard(session):
    """What someone with direct database access could do first: drop the append-only triggers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only"))
    else:
        session.execute(sa.text("DROP TRIGGER case_events_no_update"))
        session.execute(sa.text("DROP TRIGGER case_events_no_delete"))


def tamper(session, event_id):
    with session.begin():
        lift_guard(session)
        session.execute(sa.update(CaseEvent).where(CaseEvent.id == event_id).values(actor="someone-else"))


def test_verify_names_the_first_edited_event(engine_app, session):
    ids = []
    for _ in range(3):
        case_id = open_case(session, CASEWORKER).id
        fire(session, case_id, CASEWORKER, "submit", 1)
        fire(session, case_id, SUPERVISOR, "reject", 2, data={"note": "not a work accident"})
        ids.append(case_id)
    ok = verify_cli(engine_app)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "audit log intact: 9 events in 3 cases"

    with session.begin():
        target = session.scalar(sa.select(CaseEvent).where(CaseEvent.case_id == ids[1], CaseEvent.seq == 2))
    tamper(session, target.id)

    with session.begin():
        result = audit.verify(session)
    assert result.broken_cases == 1
    assert (result.first_break.event_id, result.first_break.seq) == (target.id, 2)
    assert "edited" in result.first_break.problem

    broken = verify_cli(engine_app)
    assert broken.returncode == 1
    assert f"first: case_events id={target.id} (sample {ids[1]}, seq 2)" in broken.stderr
    with engine_app.app_context():
        db.engine.dispose()


def test_a_deleted_event_breaks_the_chain(session):
    case_id = open_case(session, CASEWORKER).id
    fire(session, case_id, CASEWORKER, "submit", 1)
    fire(session, case_id, SUPERVISOR, "reject", 2, data={"note": "duplicate"})
    with session.begin():
        lift_guard(session)
        session.execute(sa.delete(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq == 2))
    with session.begin():
        result = audit.verify(session)
    assert result.first_break.seq == 3
    assert result.first_break.problem == "sequence gap: expected seq 2"
