"""Driving the reports' consumer in-process and synchronously: the outbox's unpublished events are handed to it
(and, where a test asks, to the notifications consumer) by the functions the actors run, so a test can move the
clock with time-machine and read the reports right after."""

from __future__ import annotations

import sqlalchemy as sa

from berjasa.db import db, utcnow
from berjasa.events.contract import Event
from berjasa.events.models import OutboxEvent
from berjasa.events.outbox import COLUMNS
from berjasa.events.subscriptions import consumers_for
from workers.actors import refresh_reports
from workers.consumer import handle_batch
from workers.notifications import notify_events

HANDLERS = {"reports": refresh_reports, "notifications": notify_events}


def pump(app, consumers=("reports",)) -> int:
    """Hand every unpublished event to the consumers named, in batches of 50 as the relay does; return how many
    events there were."""
    with app.app_context(), db.new_session() as session, session.begin():
        rows = session.execute(sa.select(*COLUMNS).where(OutboxEvent.published_at.is_(None))
                               .order_by(OutboxEvent.id)).all()
        session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                        .values(published_at=utcnow()))
    events = [Event.of(row) for row in rows]
    for name in consumers:
        mine = [e for e in events if name in consumers_for(e.event_type)]
        for start in range(0, len(mine), 50):
            handle_batch(name, HANDLERS[name], mine[start:start + 50], batch=True, ordered=False)
    return len(events)
