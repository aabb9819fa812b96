"""Fifty BPJS officers verify the same claim at once: one wins, 49 get a conflict, one audit event."""

import threading

import pytest
import sqlalchemy as sa

from berjasa import demo
from berjasa.db import db
from berjasa.events.models import CaseEvent
from tests.claims.helpers import ClaimsApi
from tests.conftest import SECRET


@pytest.fixture
def seeded(engine_app):
    with engine_app.app_context(), db.new_session() as session:
        lines = demo.seed(session=session, secret_key=SECRET)
    return engine_app, {username: token for _, username, token in lines}


def test_fifty_concurrent_verifies_give_one_success(seeded):
    app, tokens = seeded
    api = ClaimsApi(app.test_client(), tokens)
    api.active(1)
    claim = api.report(1)
    barrier = threading.Barrier(50)
    statuses, bodies = [], []
    lock = threading.Lock()

    def verify():
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/claims/{claim['id']}/transitions",
                               json={"trigger": "verify", "expected_version": 1},
                               headers={"Authorization": f"Bearer {tokens['demo-bpjs']}"})
        with lock:
            statuses.append(response.status_code)
            bodies.append(response.get_json(force=True))

    threads = [threading.Thread(target=verify) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 49
    conflicts = [b for b in bodies if b.get("status") == 409]
    assert {(b["type"], b["state"], b["version"]) for b in conflicts} == {("/problems/stale-version", "verified", 2)}
    with app.app_context(), db.new_session() as session:
        events = session.scalars(sa.select(CaseEvent.trigger).where(CaseEvent.case_type == "claim",
                                                                    CaseEvent.case_id == claim["id"])).all()
    assert events == ["create", "verify"]
