"""The checks on the production stack: PostgreSQL, a Redis of our own, `berjasa worker` and `berjasa scheduler`
processes. A BPJS file queued for import is imported by a worker, the checks run on `import.finished`, the
responsible party is told; a later lapse runs the checks on that person through Redis and resolves by data."""

import io

import pytest
import sqlalchemy as sa

from berjasa import demo
from berjasa.auth.service import actor_for
from berjasa.db import db
from berjasa.discrepancies.models import Discrepancy
from berjasa.enrolment import service as enrolments
from berjasa.imports import engine
from berjasa.notifications.models import Notification
from tests.checks.helpers import bpjs_file
from tests.workers.processes import worker
from tests.workers.test_faults_redis import redis_server, scheduler, stack, wait_until  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _active_enrolment(app):
    from tests.enrolment.helpers import Api

    with app.app_context(), db.new_session() as session:
        lines = demo.seed(session=session, secret_key=app.config["SECRET_KEY"])
        bpjs = actor_for(session=session, username="demo-bpjs")
    api = Api(app.test_client(), {username: token for _, username, token in lines})
    return api.active(1)["id"], bpjs


def _discrepancies(app):
    with app.app_context(), db.new_session() as session, session.begin():
        return {(d.check, d.state.value, d.resolved_by_data) for d in session.scalars(sa.select(Discrepancy))}


def test_an_imported_file_is_checked_by_the_workers_and_a_lapse_resolves_by_data(tmp_path, stack):  # noqa: F811
    env, app = stack
    enrolment_id, bpjs = _active_enrolment(app)
    content = bpjs_file("7371091705900001,26000000001,Andi Rahman 1,1990-05-17,jkk+jkm,non_active,,,0,city")
    with app.app_context(), db.new_session() as session:
        engine.start(session=session, kind="bpjs", requested_by="demo-bpjs", filename="bpjs.csv",
                     file=io.BytesIO(content))  # queued: import.requested goes through the outbox
    with scheduler(env, tmp_path / "scheduler.log"), worker(env, tmp_path / "worker.log"):
        wait_until(lambda: _discrepancies(app) == {("enrolment_active_not_at_bpjs", "open", False)},
                   what="the checks after the import")

        def told():
            with app.app_context(), db.new_session() as session, session.begin():
                return session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
                    Notification.rule == "discrepancy.opened", Notification.audience_role == "bpjs_officer")) == 1

        wait_until(told, what="BPJS told of the discrepancy")
        with app.app_context(), db.new_session() as session:
            enrolments.transition(session=session, actor=bpjs, enrolment_id=enrolment_id, trigger="lapse",
                                  expected_version=4, data={"reason": "non-active at BPJS",
                                                            "effective_date": "2026-06-01"}, config=app.config)
        wait_until(lambda: _discrepancies(app) == {("enrolment_active_not_at_bpjs", "resolved", True)},
                   what="the lapse to resolve it by data")
