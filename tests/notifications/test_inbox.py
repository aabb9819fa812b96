"""The inbox through the API: who is told what on a claim, in which language, and what each one may see."""

import sqlalchemy as sa

from berjasa.notifications.models import Notification
from tests.claims.helpers import DOCS
from tests.notifications.helpers import inbox, messages, pump, tick
from tests.sla.conftest import rows, wita


def reported_and_under_review(api, travel):
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    travel(wita(2026, 3, 1, 10, 0))
    claim = api.report(1)  # by RS Primaya's staff
    claim = api.admit(claim)
    claim = api.act(claim, "verify", "demo-bpjs")
    claim = api.complete(claim)
    return api.act(claim, "submit_documents", "demo-primaya", {"documents": DOCS})


def test_documents_requested_reach_the_treating_hospital_and_the_caseworkers(api, travel, any_app):
    claim = reported_and_under_review(api, travel)
    api.act(claim, "request_documents", "demo-bpjs", {"missing": ["police_report", "referral_letter"]})
    pump(any_app)
    client, t = api.client, api.tokens
    assert messages(client, t["demo-primaya"]) == [
        "BPJS meminta dokumen untuk klaim 1: laporan polisi, surat rujukan",
        "BPJS memverifikasi klaim 1",  # the reporting and the treating hospital are one: told once
    ]
    assert messages(client, t["demo-caseworker"]) == [
        "BPJS meminta dokumen untuk klaim 1: laporan polisi, surat rujukan",
        "klaim 1 dilaporkan oleh RS Primaya Makassar",
        "pendaftaran 1 aktif di BPJS (KPJ 26000000001)",
    ]
    assert messages(client, t["demo-bpjs"]) == ["klaim 1 dilaporkan oleh RS Primaya Makassar"]
    assert messages(client, t["demo-daya"]) == []  # another hospital hears nothing of it
    first = inbox(client, t["demo-primaya"])["items"][0]
    assert {k: first[k] for k in ("rule", "event_type", "case_type", "case_id", "link", "language", "read")} == {
        "rule": "claim.documents_requested", "event_type": "claim.request_documents", "case_type": "claim",
        "case_id": 1, "link": "/api/v1/claims/1", "language": "id", "read": False}


def test_read_one_read_all_and_the_unread_count(api, travel, any_app):
    claim = reported_and_under_review(api, travel)
    api.act(claim, "request_documents", "demo-bpjs", {"missing": ["police_report"]})
    pump(any_app)
    client, token = api.client, api.tokens["demo-primaya"]
    page = inbox(client, token)
    assert (page["total"], page["unread"]) == (2, 2)
    newest = page["items"][0]["id"]
    marked = client.post(f"/api/v1/notifications/{newest}/read", headers={"Authorization": f"Bearer {token}"})
    assert marked.status_code == 200 and marked.get_json()["read"] is True
    assert messages(client, token, unread="true") == ["BPJS memverifikasi klaim 1"]
    assert inbox(client, token)["unread"] == 1
    assert inbox(client, api.tokens["demo-caseworker"])["unread"] == 3  # read state is the reader's own
    done = client.post("/api/v1/notifications/read-all", headers={"Authorization": f"Bearer {token}"})
    assert done.get_json() == {"marked": 1, "unread": 0}
    assert inbox(client, token, unread="true") == {"items": [], "page": 1, "per_page": 50, "total": 0, "unread": 0}
    # another hospital's staff cannot read (or learn of) it
    other = client.post(f"/api/v1/notifications/{newest}/read",
                        headers={"Authorization": f"Bearer {api.tokens['demo-daya']}"})
    assert other.status_code == 404 and other.get_json()["detail"] == f"No notification {newest}"


def test_a_referral_tells_the_receiving_hospital_only(api, travel, any_app):
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    travel(wita(2026, 3, 1, 10, 0))
    claim = api.admit(api.report(1))
    api.act(claim, "refer", "demo-primaya", {"hospital": "RSUD-DAYA", "reason": "needs an orthopaedic surgeon"})
    pump(any_app)
    assert messages(api.client, api.tokens["demo-daya"]) == ["klaim 1 dirujuk ke rumah sakit Anda (RSUD-DAYA)"]
    assert messages(api.client, api.tokens["demo-primaya"]) == []


def test_the_reader_chooses_english(api, travel, any_app):
    claim = reported_and_under_review(api, travel)
    api.act(claim, "request_documents", "demo-bpjs", {"missing": ["police_report"]})
    pump(any_app)
    response = api.call("patch", "/me/preferences", user="demo-primaya", json={"language": "en"})
    assert response.get_json() == {"language": "en", "email": None}
    assert messages(api.client, api.tokens["demo-primaya"]) == [
        "BPJS requested documents for claim 1: police report", "BPJS verified claim 1"]
    caseworker = messages(api.client, api.tokens["demo-caseworker"])
    assert caseworker[0] == "BPJS meminta dokumen untuk klaim 1: laporan polisi"
    bad = api.call("patch", "/me/preferences", user="demo-primaya", json={"language": "fr"})
    assert bad.status_code == 422 and list(bad.get_json()["errors"]) == ["language"]


def test_a_bpjs_warning_a_breach_and_the_supervisors_escalation(api, travel, any_app):
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    travel(wita(2026, 3, 1, 10, 0))
    api.report(1)
    pump(any_app)
    for moment in (wita(2026, 3, 26, 10, 0), wita(2026, 3, 31, 10, 0), wita(2026, 4, 6, 10, 0)):
        travel(moment)
        tick(any_app, moment)
        pump(any_app)
    client, t = api.client, api.tokens
    # the decision was due on 31 March; escalated three working days later (3 April is Good Friday)
    assert messages(client, t["demo-bpjs"]) == [
        "Pengingat ke-1: Keputusan BPJS untuk klaim 1 masih terlambat 6 hari",
        "Keputusan BPJS untuk klaim 1 terlambat: jatuh tempo 2026-03-31 10:00 WITA",
        "Keputusan BPJS untuk klaim 1 jatuh tempo dalam 5 hari (2026-03-31 10:00 WITA)",
        "klaim 1 dilaporkan oleh RS Primaya Makassar",
    ]
    assert messages(client, t["demo-supervisor"]) == [
        "Eskalasi: Keputusan BPJS untuk klaim 1 terlambat 6 hari (tanggung jawab BPJS)"]
    api.call("patch", "/me/preferences", user="demo-supervisor", json={"language": "en"})
    assert messages(client, t["demo-supervisor"]) == [
        "Escalation: BPJS decision on claim 1 is 6 days overdue (BPJS responsible)"]
    assert messages(client, t["demo-primaya"]) == []  # the clock is BPJS's, not the hospital's


def test_fifty_deliveries_of_one_event_make_one_entry_per_recipient(api, travel, any_app):
    from berjasa.events.contract import Event
    from berjasa.notifications.service import notify
    from berjasa.transaction import unit_of_work
    from workers.consumer import handle_batch
    from workers.notifications import notify_events

    claim = reported_and_under_review(api, travel)
    api.act(claim, "request_documents", "demo-bpjs", {"missing": ["police_report"]})
    from berjasa.db import db
    from berjasa.events.models import OutboxEvent
    from berjasa.events.outbox import COLUMNS

    (row,) = rows(any_app, sa.select(*COLUMNS).where(OutboxEvent.event_type == "claim.request_documents"))
    event = Event.of(row)
    outcomes = [handle_batch("notifications", notify_events, [event], batch=True, ordered=False)[0]
                for _ in range(50)]
    assert outcomes == ["done"] + ["duplicate"] * 49
    with any_app.app_context(), db.new_session() as session, unit_of_work(session):
        notify(session, [event])  # past the consumer's own bookkeeping: the unique key holds
    recipients = rows(any_app, sa.select(Notification.recipient).where(Notification.event_id == event.event_id)
                      .order_by(Notification.recipient))
    assert [r for (r,) in recipients] == ["caseworker@1", "hospital_staff@3"]
