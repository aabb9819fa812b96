"""The notification actors: the fan-out consumer, the hand-over of deliveries, and the sender (one attempt of one
webhook POST or e-mail: claim, send outside any transaction, record)."""

from __future__ import annotations

import logging

import dramatiq
from sqlalchemy.orm import Session

from berjasa.events.contract import Event
from workers import broker as _broker  # noqa: F401  (the broker must exist before any actor)
from workers.app import get_app
from workers.consumer import consumer

log = logging.getLogger("berjasa.notifications")


def notify_events(session: Session, events: list[Event]) -> None:
    """One notification per (rule, event, recipient), and the deliveries and reminders they call for."""
    from berjasa.notifications.service import notify

    notify(session, events)


# every event counts (not only a case's latest): no per-case cursor
notifications = consumer("notifications", batch=True, ordered=False)(notify_events)


def hand_over(_session: Session, event: Event) -> None:
    """A `delivery.due` event: one `send_delivery` message per delivery, so they go out in parallel."""
    for delivery_id, attempt in event.payload["deliveries"]:
        send_delivery.send(delivery_id, attempt)


deliveries = consumer("deliveries", transactional=False)(hand_over)


@dramatiq.actor(queue_name="deliveries", max_retries=3, time_limit=120_000, min_backoff=1000)
def send_delivery(delivery_id: int, attempt: int) -> None:
    """Attempt `attempt` + 1 of a delivery; a duplicate message, or one for an attempt already made, does nothing."""
    from berjasa.db import db
    from berjasa.notifications import deliveries as service
    from berjasa.notifications.mail import send as send_mail
    from berjasa.notifications.webhooks import post

    app = get_app()
    config = app.config
    with app.app_context(), db.new_session() as session:
        claimed = service.claim(session, delivery_id, attempt, config)
        if claimed is None:
            return
        if claimed.channel == "webhook":
            outcome = post(claimed.url, claimed.msg_id, claimed.secret, claimed.body,
                           timeout=config["WEBHOOK_TIMEOUT_SECONDS"], allow_private=config["WEBHOOK_ALLOW_PRIVATE"])
        else:
            outcome = send_mail(config["SMTP_URL"], config["SMTP_FROM"], claimed.body, claimed.msg_id,
                                timeout=config["WEBHOOK_TIMEOUT_SECONDS"])
        status = service.record(session, claimed, outcome, config)
    if not outcome.ok:
        log.info("delivery %s attempt %s failed (%s): %s", delivery_id, claimed.attempt, status, outcome.error)


def send_due(app) -> int:
    """The tick's part: hand over the deliveries whose next attempt has come, and make today's digest."""
    from berjasa.db import db
    from berjasa.notifications import deliveries as service
    from berjasa.notifications.mail import digest

    with app.app_context(), db.new_session() as session:
        due = service.due(session, app.config)
        digest(session, app.config)
    for delivery_id, attempt in due:
        send_delivery.send(delivery_id, attempt)
    return len(due)
