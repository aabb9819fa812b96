"""Deliveries: what the webhook and e-mail channels send, each a row with its own retries and attempt log.

A delivery is made once (a unique key per channel: endpoint and event, e-mail kind and user) in the transaction
that decides it, with a `delivery.due` outbox event that has it sent at once. Sending is three steps: `claim`
(a short transaction: the attempt is counted and the row leased for DELIVERY_LEASE_SECONDS, so a worker killed
mid-send leaves a row that falls due again), the transport (outside any transaction), `record` (the outcome and
the attempt's log row). The tick hands over the rows whose next attempt has come (`due`), with SKIP LOCKED:
retries are rows with a due time, never delayed messages. Back-off: 5 s, 20 s, 80 s ... times four, capped at
8 h; WEBHOOK_MAX_ATTEMPTS (10) span about a day."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.db import upsert, utcnow
from berjasa.events.contract import Event
from berjasa.events.outbox import emit
from berjasa.notifications import mail, webhooks
from berjasa.notifications.models import Delivery, DeliveryAttempt, WebhookEndpoint
from berjasa.notifications.outcome import Outcome
from berjasa.transaction import unit_of_work
from workflows.notifications import Rule

FIRST_RETRY, FACTOR, CAP = 5.0, 4.0, 8 * 3600.0


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 5 s, 20 s, 80 s, 320 s ... capped at 8 h."""
    return timedelta(seconds=min(CAP, FIRST_RETRY * FACTOR ** max(0, attempts - 1)))


# ---------------------------------------------------------------- making deliveries
def offer(session: Session, made: Sequence[tuple[Event, Rule, dict[str, Any], list[Any]]],
          config: Mapping[str, Any]) -> int:
    """The deliveries of a batch's notifications: a POST to each enabled endpoint of a recipient party that
    takes the event type, an e-mail to each user of a mailing rule's audiences; return how many are new."""
    now = utcnow()
    rows = webhooks.deliveries_for(session, made, config, now)
    if config["SMTP_URL"]:
        rows += mail.immediate(session, made, config, now)
    return create(session, rows, config)


def lease(config: Mapping[str, Any]) -> timedelta:
    return timedelta(seconds=config["DELIVERY_LEASE_SECONDS"])


def create(session: Session, rows: list[dict[str, Any]], config: Mapping[str, Any]) -> int:
    """Insert deliveries (those already made are left alone) and have the new ones sent at once."""
    if not rows:
        return 0
    for row in rows:
        row.setdefault("msg_id", "msg_" + uuid.uuid4().hex)
        row.update(status="pending", attempts=0, next_attempt_at=row["created_at"] + lease(config))
    new = session.execute(upsert(session, Delivery).values(rows).on_conflict_do_nothing()
                          .returning(Delivery.id)).scalars().all()
    if new:
        emit(session, "delivery.due", payload={"deliveries": [[i, 0] for i in sorted(new)]}, plain=True)
    return len(new)


# ---------------------------------------------------------------- sending
@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    attempt: int
    msg_id: str
    body: dict[str, Any]
    endpoint_id: int | None
    url: str | None
    secret: str | None
    created_at: datetime


def claim(session: Session, delivery_id: int, attempt: int, config: Mapping[str, Any]) -> Claimed | None:
    """Take attempt `attempt` + 1 of a pending delivery, if no one took it yet (a duplicate message, or the tick
    handing it over again, finds the attempt counted and does nothing). A disabled endpoint's delivery fails."""
    with unit_of_work(session):
        row = session.execute(
            sa.select(Delivery, WebhookEndpoint).outerjoin(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
            .where(Delivery.id == delivery_id, Delivery.status == "pending", Delivery.attempts == attempt)
            .with_for_update(of=Delivery, skip_locked=True)).first()
        if row is None:
            return None
        delivery, endpoint = row
        if endpoint is not None and not endpoint.enabled:
            delivery.status, delivery.next_attempt_at, delivery.last_error = "failed", None, "endpoint disabled"
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = utcnow() + lease(config)  # a worker that dies now leaves it due again
        return Claimed(delivery.id, delivery.channel, delivery.attempts, delivery.msg_id, dict(delivery.body),
                       delivery.endpoint_id, endpoint.url if endpoint else None, endpoint.secret if endpoint else None,
                       delivery.created_at)


def record(session: Session, claimed: Claimed, outcome: Outcome, config: Mapping[str, Any]) -> str:
    """Store the attempt and its outcome: delivered, another attempt after the back-off, or failed for good.
    A webhook endpoint that fails `WEBHOOK_DISABLE_AFTER` attempts in a row is disabled and the admins told."""
    now = utcnow()
    with unit_of_work(session):
        session.add(DeliveryAttempt(delivery_id=claimed.id, attempt=claimed.attempt, at=now,
                                    status_code=outcome.status, latency_ms=outcome.latency_ms, error=outcome.error))
        delivery = session.get(Delivery, claimed.id, with_for_update=True)
        delivery.last_status, delivery.last_error = outcome.status, outcome.error
        delivery.last_latency_ms = outcome.latency_ms
        if outcome.ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        elif delivery.attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        if claimed.endpoint_id is not None:
            webhooks.count_outcome(session, claimed.endpoint_id, outcome.ok, config)
        return delivery.status


def due(session: Session, config: Mapping[str, Any], *, now: datetime | None = None,
        limit: int = 500) -> list[tuple[int, int]]:
    """The tick: pending deliveries whose next attempt has come, each leased for a while and returned as
    (id, attempts) to be sent; SKIP LOCKED, so two ticks share them."""
    now = now or utcnow()
    with unit_of_work(session):
        rows = session.execute(
            sa.select(Delivery.id, Delivery.attempts).where(Delivery.status == "pending",
                                                              Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at).limit(limit).with_for_update(skip_locked=True)).all()
        if rows:
            session.execute(sa.update(Delivery).where(Delivery.id.in_([r.id for r in rows]))
                            .values(next_attempt_at=now + lease(config)))
    return [(r.id, r.attempts) for r in rows]
