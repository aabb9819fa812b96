"""`sla rebuild`: clocks computed again from the audit log match what the transitions and ticks stored."""

import os
import subprocess
import sys

import sqlalchemy as sa

from berjasa.db import db
from berjasa.sla.models import ClockRow
from berjasa.sla.rebuild import rebuild
from tests.claims.helpers import DOCS
from tests.conftest import SECRET
from tests.sla.conftest import tick, wita
from tests.workers.processes import ROOT


def history(api, travel, app):
    """Claims and enrolments down many paths, with ticks and a calendar override along the way."""
    travel(wita(2026, 1, 5, 9, 0))
    for serial in range(1, 6):
        api.active(serial)
    lapsed = api.active(6)
    travel(wita(2026, 6, 1, 9, 0))
    assert api.call("post", "/calendar/overrides", user="demo-admin", json={
        "day": "2026-06-03", "kind": "holiday", "name": "Libur (test)", "source": "test"}).status_code == 201
    api.fire(lapsed, "lapse", user="demo-bpjs", data={"reason": "arrears", "effective_date": "2026-06-01"})
    waiting = api.enrolment(api.participant(7)["id"])
    api.fire(api.fire(waiting, "verify"), "send_to_bpjs")
    travel(wita(2026, 7, 6, 12, 0))
    paid = api.report(1, accident_at="2026-07-06T09:00:00+08:00")
    late = api.report(2, accident_at="2026-07-01T09:00:00+08:00")
    left = api.report(3, accident_at="2026-07-06T09:00:00+08:00")
    rejected = api.report(4, accident_at="2026-07-06T10:00:00+08:00")
    travel(wita(2026, 7, 7, 9, 0))
    paid = api.act(api.admit(paid, at="2026-07-06T13:00:00+08:00"), "verify", "demo-bpjs")
    rejected = api.act(rejected, "reject", "demo-bpjs", {"reason_code": "not_work_accident", "note": "home"})
    travel(wita(2026, 7, 9, 9, 0))
    tick(app, wita(2026, 7, 9, 9, 0))
    paid = api.act(paid, "update_care", "demo-primaya", {"note": "stable"})
    paid = api.act(paid, "refer", "demo-primaya", {"hospital": "RSUD-DAYA", "reason": "surgery"})
    travel(wita(2026, 7, 20, 9, 0))
    paid = api.complete(paid, user="demo-daya")
    paid = api.act(paid, "submit_documents", "demo-daya", {"documents": [*DOCS, "referral_letter"]})
    paid = api.act(paid, "request_documents", "demo-bpjs", {"missing": ["transport_receipts"]})
    travel(wita(2026, 7, 24, 9, 0))
    tick(app, wita(2026, 7, 24, 9, 0))
    paid = api.act(paid, "submit_documents", "demo-daya", {"documents": ["transport_receipts"]})
    paid = api.act(paid, "approve", "demo-bpjs", {"benefits": {"medical": 100}})
    api.act(paid, "pay", "demo-bpjs", {"payments": [{"line": "medical", "payee": "RS", "amount": 100,
                                                       "reference": "T-1"}]})
    travel(wita(2026, 7, 30, 9, 0))
    api.act(rejected, "reopen", "demo-supervisor", {"reason": "appeal"})
    travel(wita(2026, 8, 20, 9, 0))
    tick(app, wita(2026, 8, 20, 9, 0))
    return {"late": late, "left": left}


def test_rebuild_finds_nothing_on_a_healthy_database_and_repairs_a_tampered_clock(api, travel, any_app):
    history(api, travel, any_app)
    with any_app.app_context(), db.new_session() as session:
        assert rebuild(session=session, now=wita(2026, 8, 20, 9, 0)) == []
        with session.begin():
            tampered = session.scalar(sa.select(ClockRow).where(ClockRow.policy == "claim.bpjs_decision")
                                      .order_by(ClockRow.id).limit(1))
            tampered.due_at = wita(2027, 1, 1)
            clock_id = tampered.id
        found = rebuild(session=session, now=wita(2026, 8, 20, 9, 0))
        assert [(d.policy, d.field, d.stored) for d in found] == [("claim.bpjs_decision", "due_at", wita(2027, 1, 1))]
        assert rebuild(session=session, apply=True, now=wita(2026, 8, 20, 9, 0)) == found
        assert rebuild(session=session, now=wita(2026, 8, 20, 9, 0)) == []
        session.expire_all()
        with session.begin():
            assert session.get(ClockRow, clock_id).due_at == found[0].expected


def test_the_cli_says_how_many_differences(app, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env.update(BERJASA_DATABASE_URL=app.config["DATABASE_URL"], BERJASA_SECRET_KEY=SECRET,
               BERJASA_INSTANCE_PATH=app.instance_path)
    done = subprocess.run([sys.executable, "-m", "workers.cli", "sla", "rebuild"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "0 difference(s) in 0 case(s)" in done.stderr
