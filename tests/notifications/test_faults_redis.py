"""A worker killed in the middle of a webhook delivery, on the production stack (PostgreSQL, Redis, real worker and
scheduler processes): the delivery is tried again with the same webhook-id, not lost."""

import os
import signal

import pytest
import sqlalchemy as sa

from berjasa import demo
from berjasa.auth.service import Actor
from berjasa.db import db
from berjasa.events.outbox import emit
from berjasa.notifications import webhooks
from berjasa.notifications.models import Delivery, DeliveryAttempt
from berjasa.parties.models import Party
from berjasa.transaction import unit_of_work
from tests.conftest import make_app
from tests.notifications.receiver import Receiver
from tests.workers.processes import BERJASA, background, production_env, run, worker
from tests.workers.test_faults_redis import redis_server, wait_until  # noqa: F401  (fixture)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_a_worker_killed_mid_delivery_is_retried_with_the_same_id(tmp_path, pg_url, redis_server):  # noqa: F811
    env = production_env(pg_url, redis_server.url, tmp_path / "instance")
    env.update(BERJASA_WEBHOOK_ALLOW_PRIVATE="true", BERJASA_TICK_SECONDS="1", BERJASA_DELIVERY_LEASE_SECONDS="3")
    assert run(env, "db", "upgrade").returncode == 0
    app = make_app(tmp_path, pg_url, WEBHOOK_ALLOW_PRIVATE=True)
    receiver = Receiver()
    receiver.hold.clear()  # the first request is held: the worker sending it is killed meanwhile
    receiver.start()
    try:
        with app.app_context(), db.new_session() as session:
            demo.seed(session=session, secret_key=app.config["SECRET_KEY"])
            endpoint = webhooks.register(session=session, actor=Actor.system("test"), party="RS-PRIMAYA",
                                         url=receiver.url, event_types=["sla.*"], allow_private=True)
            receiver.secret = endpoint.secret
            with unit_of_work(session):
                primaya = session.scalar(sa.select(Party.id).where(Party.code == "RS-PRIMAYA"))
                emit(session, "sla.warning", case_type="claim", case_id=7, payload={
                    "clock_id": 1, "policy": "claim.stage2_report", "run": 1, "party": "hospital",
                    "hospital_id": primaya, "due_at": "2026-03-12T10:00:00+08:00"})
        with background([*BERJASA, "scheduler"], env, tmp_path / "scheduler.log"):
            first = worker(env, tmp_path / "worker1.log")
            process = first.__enter__()
            wait_until(receiver.arrived.is_set, what="the first attempt to reach the receiver")
            os.killpg(process.pid, signal.SIGKILL)  # the whole `berjasa worker` group, mid-delivery
            process.wait()
            receiver.hold.set()
            with worker(env, tmp_path / "worker2.log"):
                wait_until(lambda: state(app)[0] == ("delivered", 2), what="the delivery to be retried")
        delivery, log = state(app)
    finally:
        receiver.stop()
        with app.app_context():
            db.engine.dispose()
    assert (delivery, log) == (("delivered", 2), [(2, 200)])  # the killed attempt left no log row
    ids = receiver.ids_by_event()
    assert len(ids) == 1 and len(next(iter(ids.values()))) == 1  # one event, one webhook-id, however often sent
    assert {body["type"] for _, body in receiver.received} == {"sla.warning"}


def state(app):
    with app.app_context(), db.new_session() as session, session.begin():
        delivery = session.execute(sa.select(Delivery.status, Delivery.attempts)).first()
        log = session.execute(sa.select(DeliveryAttempt.attempt, DeliveryAttempt.status_code)
                              .order_by(DeliveryAttempt.id)).all()
    return (tuple(delivery) if delivery else None), [tuple(r) for r in log]
