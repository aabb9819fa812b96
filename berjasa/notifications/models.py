from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from berjasa.db import Base, UtcDateTime, utcnow
from berjasa.events.models import JSON

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class Notification(Base):
    """One rule's message about one event to one recipient: an audience (a role within a party: Disnaker's
    caseworkers, one hospital's staff) or a user. Read state is per user (NotificationRead)."""

    __tablename__ = "notifications"
    __table_args__ = (
        # once per (event, rule, recipient), whatever the redeliveries
        sa.UniqueConstraint("event_id", "rule", "recipient", name="uq_notifications_event_rule_recipient"),
        # an inbox, newest first: what its audience was sent, or what its user was
        sa.Index("ix_notifications_audience", "audience_role", "audience_party_id", "id"),
        sa.Index("ix_notifications_user", "user_id", "id", postgresql_where=sa.text("user_id IS NOT NULL"),
                 sqlite_where=sa.text("user_id IS NOT NULL")),
        # a case's timeline: what was sent about it
        sa.Index("ix_notifications_case", "case_type", "case_id"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(32))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    rule: Mapped[str] = mapped_column(sa.String(64))
    recipient: Mapped[str] = mapped_column(sa.String(64))  # "caseworker@1", "hospital_staff@4", "user:7"
    audience_role: Mapped[str | None] = mapped_column(sa.String(20))
    audience_party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    case_type: Mapped[str | None] = mapped_column(sa.String(32))
    case_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NotificationRead(Base):
    """A user has read a notification."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id", ondelete="CASCADE"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookEndpoint(Base):
    """A party's own system that receives its events, signed with the endpoint's secret (Standard Webhooks)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(sa.String(100))  # whsec_<base64>; shown once, never logged
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)  # failed attempts in a row
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Delivery(Base):
    """Something to send over a channel (a webhook POST, an e-mail), with its retries: a row with a due time
    (`next_attempt_at`) that the tick claims, never a delayed message."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("channel", "key", name="uq_deliveries_channel_key"),
        sa.Index("ix_deliveries_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'"),
                 sqlite_where=sa.text("status = 'pending'")),
        sa.Index("ix_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # webhook | email
    key: Mapped[str] = mapped_column(sa.String(200))  # what makes it once: endpoint and event, digest day and user
    endpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook_endpoints.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    msg_id: Mapped[str] = mapped_column(sa.String(64))  # the webhook-id (the same on every attempt)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_latency_ms: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DeliveryAttempt(Base):
    """The delivery log: one row per attempt (status code, latency, error)."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(sa.Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    latency_ms: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.Text)


class DigestRun(Base):
    """The daily digest of one WITA day has been made (two ticks never make it twice)."""

    __tablename__ = "digest_runs"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    mails: Mapped[int] = mapped_column(sa.Integer, default=0)
