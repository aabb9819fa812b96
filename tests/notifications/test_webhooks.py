"""Webhooks per party against a real receiver (a server thread that verifies every signature)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from berjasa.db import db, utcnow
from berjasa.notifications import deliveries
from berjasa.notifications.models import Delivery
from tests.claims.helpers import DOCS, recent
from tests.notifications.helpers import messages, pump
from tests.notifications.receiver import Receiver
from tests.sla.conftest import rows
from workers.notifications import send_delivery


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def register(api, url, event_types=("claim.*",), party="RS-PRIMAYA", expect=201):
    response = api.call("post", "/webhooks", user="demo-admin", json={"party": party, "url": url,
                                                                       "event_types": list(event_types)})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def documents_requested(api, serial):
    """A claim of RS Primaya's up to a request for documents: Primaya is told of the verification and the request."""
    claim = api.admit(api.report(serial, accident_at=recent(5)), at=recent(4))
    claim = api.act(claim, "verify", "demo-bpjs")
    claim = api.act(claim, "complete_treatment", "demo-primaya", {
        "doctor_statement_at": recent(3), "outcome": "recovered", "discharged_at": recent(3), "medical_cost": 100})
    claim = api.act(claim, "submit_documents", "demo-primaya", {"documents": DOCS})
    return api.act(claim, "request_documents", "demo-bpjs", {"missing": ["police_report"]})


def retry_due(app, after=timedelta(hours=9)):
    """What the tick does for deliveries: hand over those whose next attempt has come (the clock moved on)."""
    with app.app_context(), db.new_session() as session:
        due = deliveries.due(session, app.config, now=utcnow() + after)
    for delivery_id, attempt in due:
        send_delivery.fn(delivery_id, attempt)
    return len(due)


def test_a_receiver_down_for_a_while_gets_every_delivery_once_with_one_id(api, any_app, receiver):
    any_app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    for serial in (1, 2, 3):
        api.active(serial)
    endpoint = register(api, receiver.url)
    receiver.secret = endpoint["secret"]
    claims = [documents_requested(api, serial) for serial in (1, 2, 3)]
    pump(any_app)  # the receiver is down: nothing listens on its port
    assert receiver.received == []
    failed = api.call("get", f"/webhooks/{endpoint['id']}/deliveries", user="demo-admin").get_json()
    assert [(d["status"], d["attempts"]) for d in failed["items"]] == [("pending", 1)] * 6
    assert failed["items"][0]["log"][0]["error"].startswith("ConnectionRefusedError")
    receiver.start()
    assert retry_due(any_app) == 6
    assert retry_due(any_app) == 0
    ids = receiver.ids_by_event()
    assert len(ids) == 6 and all(len(webhook_ids) == 1 for webhook_ids in ids.values())
    assert len(receiver.received) == 6 and receiver.rejected == []
    kinds = sorted((body["type"], body["data"]["case_id"]) for _, body in receiver.received)
    assert kinds == [("claim.request_documents", c["id"]) for c in claims] + [("claim.verify", c["id"])
                                                                               for c in claims]
    first = next(body for _, body in receiver.received if body["type"] == "claim.request_documents")
    assert first["data"]["message"] == {"id": f"BPJS meminta dokumen untuk klaim {first['data']['case_id']}: "
                                              "laporan polisi",
                                        "en": f"BPJS requested documents for claim {first['data']['case_id']}: "
                                              "police report"}
    assert first["data"]["link"] == f"http://127.0.0.1:8000/api/v1/claims/{first['data']['case_id']}"
    shown = api.call("get", f"/webhooks/{endpoint['id']}/deliveries", user="demo-admin").get_json()["items"]
    assert {(d["status"], d["attempts"]) for d in shown} == {("delivered", 2)}
    assert [a["status_code"] for a in shown[0]["log"]] == [None, 200]
    # a redelivery goes out with the same webhook-id
    again = api.call("post", f"/webhooks/{endpoint['id']}/deliveries/{shown[0]['id']}/redeliver", user="demo-admin")
    assert again.status_code == 202 and again.get_json()["status"] == "pending"
    pump(any_app)
    assert [w for w, _ in receiver.received].count(shown[0]["webhook_id"]) == 2
    assert len(receiver.ids_by_event()[receiver.received[-1][1]["data"]["event_id"]]) == 1


def test_an_endpoint_failing_in_a_row_is_disabled_and_the_admins_told(api, any_app, receiver):
    any_app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_DISABLE_AFTER=2)
    api.active(1)
    receiver.start()
    receiver.status = 500
    endpoint = register(api, receiver.url)
    receiver.secret = endpoint["secret"]
    documents_requested(api, 1)
    pump(any_app)  # two deliveries, both answered 500: two failures in a row
    shown = api.call("get", f"/webhooks/{endpoint['id']}", user="demo-admin").get_json()
    assert (shown["enabled"], shown["failures"]) == (False, 2)
    assert messages(api.client, api.tokens["demo-admin"]) == [
        f"Webhook {endpoint['id']} (RS-PRIMAYA) dinonaktifkan setelah 2 kegagalan berturut-turut"]
    assert retry_due(any_app) == 2  # their retries find the endpoint disabled
    assert [s for (s,) in rows(any_app, sa.select(Delivery.status))] == ["failed", "failed"]
    receiver.status = 200
    enabled = api.call("patch", f"/webhooks/{endpoint['id']}", user="demo-admin", json={"enabled": True})
    assert (enabled.get_json()["enabled"], enabled.get_json()["failures"]) == (True, 0)
    for (delivery_id,) in rows(any_app, sa.select(Delivery.id)):
        api.call("post", f"/webhooks/{endpoint['id']}/deliveries/{delivery_id}/redeliver", user="demo-admin")
    pump(any_app)
    assert sorted(body["type"] for _, body in receiver.received) == ["claim.request_documents", "claim.verify"]


def test_registration_refuses_what_could_reach_internal_services(api, any_app):
    loopback = register(api, "http://127.0.0.1:9/hook", expect=422)
    assert list(loopback["errors"]) == ["url"] and "not a public address" in loopback["errors"]["url"][0]
    private = register(api, "http://10.1.2.3/hook", expect=422)
    assert "10.1.2.3" in private["errors"]["url"][0]
    assert list(register(api, "ftp://example.org/x", expect=422)["errors"]) == ["url"]
    unknown = register(api, "http://127.0.0.1:9/hook", event_types=["claim.made_up"], expect=422)
    assert list(unknown["errors"]) == ["event_types"]
    denied = api.call("post", "/webhooks", user="demo-caseworker", json={
        "party": "RS-PRIMAYA", "url": "https://example.org/x", "event_types": ["claim.*"]})
    assert denied.status_code == 403
    any_app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    made = register(api, "http://127.0.0.1:9/hook", event_types=["claim.verify", "sla.*"])
    assert made["secret"].startswith("whsec_") and made["party"] == "RS-PRIMAYA" and made["enabled"] is True
    listed = api.call("get", "/webhooks", user="demo-admin").get_json()
    assert [sorted(e) for e in listed] == [["created_at", "created_by", "disabled_at", "enabled", "event_types",
                                            "failures", "id", "party", "url"]]  # the secret is shown once only
    assert list(register(api, "http://127.0.0.1:9/hook", party="NOPE", expect=422)["errors"]) == ["party"]
