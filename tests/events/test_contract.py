"""The event contract: one shape for the outbox row, the message and what a consumer gets."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from berjasa.events.contract import FIELDS, Event
from berjasa.events.models import OutboxEvent
from berjasa.events.outbox import COLUMNS
from tests.workers.processes import ROOT


def test_the_message_carries_the_event_and_comes_back_as_the_same_event():
    event = Event("e1", "claim.verify", "claim", 12, 3, {"from": "reported", "to": "verified"},
                  datetime(2026, 3, 1, 2, 30, tzinfo=UTC))
    message = event.to_message()
    assert json.loads(json.dumps(message)) == {
        "event_id": "e1", "event_type": "claim.verify", "case_type": "claim", "case_id": 12, "case_version": 3,
        "payload": {"from": "reported", "to": "verified"}, "created_at": "2026-03-01T02:30:00+00:00"}
    assert Event.from_message(message) == event
    assert event.at == datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


def test_the_outbox_table_and_the_relay_read_the_contract_fields():
    assert FIELDS == ("event_id", "event_type", "case_type", "case_id", "case_version", "payload", "created_at")
    assert set(FIELDS) <= set(OutboxEvent.__table__.columns.keys())
    assert [c.key for c in COLUMNS] == ["id", *FIELDS]


def test_the_broker_reads_the_apps_settings_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env.update(BERJASA_BROKER_URL="redis://127.0.0.1:1/0", BERJASA_BROKER_NAMESPACE="makassar",
               BERJASA_BROKER_HEARTBEAT_TIMEOUT_MS="7000")
    code = ("from workers.broker import broker; print(type(broker).__name__, broker.namespace, "
            "broker.heartbeat_timeout, broker.maintenance_chance)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["RedisBroker", "makassar", "7000", "10000"]
