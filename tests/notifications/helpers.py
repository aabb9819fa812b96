"""Driving the event path in-process and synchronously: the outbox's unpublished rows are handed to the
notification consumers (and deliveries sent) by the same functions the actors run, with no broker threads, so a
test can move the clock with time-machine."""

from __future__ import annotations

import sqlalchemy as sa

from berjasa.db import db, utcnow
from berjasa.events.contract import Event
from berjasa.events.models import OutboxEvent
from berjasa.events.outbox import COLUMNS
from berjasa.events.subscriptions import consumers_for
from workers.consumer import handle_batch, handle_each
from workers.notifications import notify_events, send_delivery


def pump(app, rounds: int = 10) -> list[str]:
    """Hand every unpublished event to the notification consumers until none is left; deliveries are sent at once.
    Returns the event types handled, in order."""
    handled = []
    for _ in range(rounds):
        with app.app_context(), db.new_session() as session, session.begin():
            rows = session.execute(sa.select(*COLUMNS).where(OutboxEvent.published_at.is_(None))
                                   .order_by(OutboxEvent.id)).all()
            session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                            .values(published_at=utcnow()))
        if not rows:
            return handled
        events = [Event.of(row) for row in rows]
        handled += [e.event_type for e in events]
        mine = [e for e in events if "notifications" in consumers_for(e.event_type)]
        if mine:
            handle_batch("notifications", notify_events, mine, batch=True, ordered=False)
        due = [e for e in events if "deliveries" in consumers_for(e.event_type)]
        if due:
            handle_each("deliveries", send_now, due)
    raise AssertionError("the outbox did not run dry")


def send_now(_session, event: Event) -> None:
    for delivery_id, attempt in event.payload["deliveries"]:
        send_delivery.fn(delivery_id, attempt)


def inbox(client, token, **query):
    response = client.get("/api/v1/notifications", query_string=query, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def messages(client, token, **query) -> list[str]:
    return [item["message"] for item in inbox(client, token, **query)["items"]]


def tick(app, now):
    """What the scheduler's tick does at `now`: the due timers (reminders among them) and the SLA clocks."""
    from berjasa.events.service import claim_due_timers
    from berjasa.sla.service import tick as sla_tick
    from berjasa.transaction import unit_of_work

    with app.app_context(), db.new_session() as session:
        with unit_of_work(session):
            claim_due_timers(session, now=now)
        sla_tick(session=session, now=now)
