"""What the API shows of a notification (in the reader's language), of a webhook endpoint and of a delivery."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.notifications.models import Delivery, DeliveryAttempt, Notification, WebhookEndpoint
from berjasa.notifications.service import link
from berjasa.parties.service import party_codes
from berjasa.time import wita_iso
from workflows.notifications import render


def notification_response(notification: Notification, language: str, read: bool) -> dict[str, Any]:
    return {
        "id": notification.id,
        "rule": notification.rule,
        "event_type": notification.event_type,
        "case_type": notification.case_type,
        "case_id": notification.case_id,
        "link": link(notification.case_type, notification.case_id, notification.params),
        "message": render(notification.rule, notification.params, language),
        "language": language,
        "read": read,
        "created_at": wita_iso(notification.created_at),
    }


def endpoint_responses(session: Session, endpoints: Iterable[WebhookEndpoint], *,
                       with_secret: bool = False) -> list[dict[str, Any]]:
    endpoints = list(endpoints)
    codes = party_codes(session, {e.party_id for e in endpoints})
    shown = []
    for e in endpoints:
        item = {"id": e.id, "party": codes.get(e.party_id), "url": e.url, "event_types": list(e.event_types),
                "enabled": e.enabled, "failures": e.failures, "disabled_at": wita_iso(e.disabled_at),
                "created_by": e.created_by, "created_at": wita_iso(e.created_at)}
        if with_secret:
            item["secret"] = e.secret
        shown.append(item)
    return shown


def delivery_responses(session: Session, deliveries: Iterable[Delivery]) -> list[dict[str, Any]]:
    deliveries = list(deliveries)
    attempts: dict[int, list[dict[str, Any]]] = {}
    if deliveries:
        for a in session.scalars(sa.select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(
                [d.id for d in deliveries])).order_by(DeliveryAttempt.delivery_id, DeliveryAttempt.attempt)):
            attempts.setdefault(a.delivery_id, []).append({
                "attempt": a.attempt, "at": wita_iso(a.at), "status_code": a.status_code, "latency_ms": a.latency_ms,
                "error": a.error})
    return [{"id": d.id, "webhook_id": d.msg_id, "event_type": d.event_type, "status": d.status,
             "attempts": d.attempts, "next_attempt_at": wita_iso(d.next_attempt_at), "last_status": d.last_status,
             "last_error": d.last_error, "last_latency_ms": d.last_latency_ms, "created_at": wita_iso(d.created_at),
             "delivered_at": wita_iso(d.delivered_at), "log": attempts.get(d.id, [])} for d in deliveries]
