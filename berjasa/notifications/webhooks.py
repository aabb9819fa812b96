"""Webhooks per party: endpoints an admin registers, what each receives, how it is signed and sent.

Deliveries follow the Standard Webhooks specification (headers `webhook-id`, `webhook-timestamp`,
`webhook-signature`, signed by the `standardwebhooks` package with the endpoint's `whsec_` secret). The
`webhook-id` is the same on every attempt and redelivery of a delivery, so a receiver dedupes on it. Targets are
http(s) URLs whose host resolves only to public addresses (unless `WEBHOOK_ALLOW_PRIVATE`), checked when the
endpoint is registered and again at every attempt, and the request goes to the address that was checked."""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from berjasa.auth.service import Actor
from berjasa.db import read_only, utcnow
from berjasa.errors import NotFound, ValidationFailed
from berjasa.events.contract import Event
from berjasa.events.outbox import emit
from berjasa.events.subscriptions import matches
from berjasa.notifications.models import Delivery, WebhookEndpoint
from berjasa.notifications.outcome import Outcome, elapsed_ms
from berjasa.parties.models import Party
from berjasa.transaction import unit_of_work
from workflows.notifications import EVENT_TYPES, Rule, render

USER_AGENT = "Berjasa-Webhooks/1"
#: The event types an endpoint may ask for (patterns as in berjasa/events/subscriptions.py: "claim.*", "*").
KNOWN_TYPES = EVENT_TYPES


class UnsafeTarget(ValueError):
    """The URL is not http(s), or its host resolves to an address that must not be reached."""


# ---------------------------------------------------------------- endpoints (admin)
def register(*, session: Session, actor: Actor, party: str, url: str, event_types: Sequence[str],
             allow_private: bool) -> WebhookEndpoint:
    """A new endpoint for a party; its secret is returned on the row (shown once by the view)."""
    _check_types(event_types)
    try:
        check_target(url, allow_private)
    except UnsafeTarget as exc:
        raise ValidationFailed(str(exc), errors={"url": [str(exc)]}) from None
    with unit_of_work(session):
        party_id = session.scalar(sa.select(Party.id).where(Party.code == party))
        if party_id is None:
            raise ValidationFailed(f"No party {party}", errors={"party": [f"no party {party!r}"]})
        endpoint = WebhookEndpoint(party_id=party_id, url=url, event_types=list(event_types), enabled=True,
                                   failures=0, secret=new_secret(), created_by=actor.username)
        session.add(endpoint)
        session.flush()
    return endpoint


def change(*, session: Session, endpoint_id: int, data: Mapping[str, Any], allow_private: bool) -> WebhookEndpoint:
    """Enable or disable an endpoint, or change its URL or event types. Enabling resets its run of failures."""
    if "event_types" in data:
        _check_types(data["event_types"])
    if "url" in data:
        try:
            check_target(data["url"], allow_private)
        except UnsafeTarget as exc:
            raise ValidationFailed(str(exc), errors={"url": [str(exc)]}) from None
    with unit_of_work(session):
        endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
        if endpoint is None:
            raise NotFound(f"No webhook {endpoint_id}")
        for name in ("url", "event_types"):
            if name in data:
                setattr(endpoint, name, data[name])
        if "enabled" in data and data["enabled"] != endpoint.enabled:
            endpoint.enabled = data["enabled"]
            endpoint.failures = 0
            endpoint.disabled_at = None if endpoint.enabled else utcnow()
    return endpoint


def endpoints(*, session: Session) -> list[WebhookEndpoint]:
    with read_only(session):
        return list(session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def endpoint(*, session: Session, endpoint_id: int) -> WebhookEndpoint:
    with read_only(session):
        found = session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise NotFound(f"No webhook {endpoint_id}")
    return found


def deliveries(*, session: Session, endpoint_id: int, page: int, per_page: int, status: str | None = None):
    from berjasa.pagination import paginate

    endpoint(session=session, endpoint_id=endpoint_id)
    query = sa.select(Delivery).where(Delivery.endpoint_id == endpoint_id).order_by(Delivery.id.desc())
    if status:
        query = query.where(Delivery.status == status)
    with read_only(session):
        return paginate(session, query, page=page, per_page=per_page)


def redeliver(*, session: Session, endpoint_id: int, delivery_id: int, config: Mapping[str, Any]) -> Delivery:
    """Send a delivery again (same webhook-id), whatever became of it; a new run of attempts."""
    with unit_of_work(session):
        delivery = session.scalar(sa.select(Delivery).where(Delivery.id == delivery_id,
                                                            Delivery.endpoint_id == endpoint_id).with_for_update())
        if delivery is None:
            raise NotFound(f"No delivery {delivery_id} of webhook {endpoint_id}")
        delivery.status, delivery.attempts, delivery.delivered_at = "pending", 0, None
        from berjasa.notifications.deliveries import lease

        delivery.next_attempt_at = utcnow() + lease(config)
        emit(session, "delivery.due", payload={"deliveries": [[delivery.id, 0]]}, plain=True)
    return delivery


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check_types(event_types: Sequence[str]) -> None:
    unknown = [p for p in event_types if not any(matches(p, known) for known in KNOWN_TYPES)]
    if unknown:
        raise ValidationFailed("Unknown event types", errors={"event_types": [
            f"{', '.join(unknown)}: not an event a party is told of (known: {', '.join(KNOWN_TYPES)}; "
            "'claim.*' and '*' match several)"]})


# ---------------------------------------------------------------- what is delivered
def deliveries_for(session: Session, made: Sequence[tuple[Event, Rule, dict[str, Any], list[Any]]],
                   config: Mapping[str, Any], now: datetime) -> list[dict[str, Any]]:
    """A delivery per (enabled endpoint of a recipient party taking the event type, event)."""
    by_party: dict[int, list[tuple[int, list[str]]]] = {}
    for endpoint_id, party_id, types in session.execute(sa.select(
            WebhookEndpoint.id, WebhookEndpoint.party_id, WebhookEndpoint.event_types)
            .where(WebhookEndpoint.enabled.is_(True))):
        by_party.setdefault(party_id, []).append((endpoint_id, types))
    if not by_party:
        return []
    rows: dict[str, dict[str, Any]] = {}
    for event, rule, params, audiences in made:
        for audience in audiences:
            for endpoint_id, types in by_party.get(audience.party_id, ()):
                key = f"{endpoint_id}:{event.event_id}"
                if key not in rows and any(matches(p, event.event_type) for p in types):
                    rows[key] = {"channel": "webhook", "key": key, "endpoint_id": endpoint_id, "user_id": None,
                                 "msg_id": "msg_" + event.event_id, "event_type": event.event_type,
                                 "body": body(event, rule, params, config["PUBLIC_URL"]), "created_at": now}
    return list(rows.values())


def body(event: Event, rule: Rule, params: Mapping[str, Any], public_url: str) -> dict[str, Any]:
    """The JSON a receiver gets: Standard Webhooks' {type, timestamp, data}."""
    from berjasa.notifications.service import link

    path = link(event.case_type, event.case_id, params)
    return {"type": event.event_type, "timestamp": event.at.astimezone(UTC).isoformat(), "data": {
        "event_id": event.event_id, "rule": rule.name, "case_type": event.case_type, "case_id": event.case_id,
        "case_version": event.case_version, "link": public_url + path if path else None,
        "message": {"id": render(rule.name, params, "id"), "en": render(rule.name, params, "en")},
        "payload": event.payload}}


def count_outcome(session: Session, endpoint_id: int, ok: bool, config: Mapping[str, Any]) -> None:
    """An attempt's outcome on its endpoint's run of failures; past the limit the endpoint is disabled."""
    endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if ok:
        endpoint.failures = 0
        return
    endpoint.failures += 1
    if endpoint.enabled and endpoint.failures >= config["WEBHOOK_DISABLE_AFTER"]:
        endpoint.enabled, endpoint.disabled_at = False, utcnow()
        party = session.scalar(sa.select(Party.code).where(Party.id == endpoint.party_id))
        emit(session, "webhook.disabled", payload={"endpoint_id": endpoint.id, "party": party,
                                                   "failures": endpoint.failures})


# ---------------------------------------------------------------- sending
def check_target(url: str, allow_private: bool) -> list[str]:
    """The addresses an http(s) URL's host resolves to; UnsafeTarget if it is no http(s) URL, or (unless
    `allow_private`) any address is loopback, private, link-local or otherwise not public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("must be an http:// or https:// URL with a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise UnsafeTarget(f"the host {parts.hostname} does not resolve ({exc})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise UnsafeTarget(f"{parts.hostname} resolves to {address}, which is not a public address")
    return addresses


def sign(secret: str, msg_id: str, payload: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for this body, sent at `at`."""
    at = at.astimezone(UTC)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, at, payload)}


def post(url: str, msg_id: str, secret: str, payload: dict[str, Any], *, timeout: float, allow_private: bool):
    """One signed POST; returns the outcome (never raises for the network or the receiver's answer)."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    started = time.perf_counter()
    try:
        address = check_target(url, allow_private)[0]
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   **sign(secret, msg_id, text, utcnow())}
        status = _send(url, address, text.encode(), headers, timeout)
    except (OSError, http.client.HTTPException, UnsafeTarget) as exc:
        return Outcome(False, None, elapsed_ms(started), f"{type(exc).__name__}: {exc}"[:500])
    ok = 200 <= status < 300
    return Outcome(ok, status, elapsed_ms(started), None if ok else f"HTTP {status}")


def _send(url: str, address: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to the checked address (not a second look-up, which could answer differently)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = _PinnedHTTPS(parts.hostname, address, parts.port or 443,
                                                              timeout=timeout)
    else:
        connection = _PinnedHTTP(parts.hostname, address, parts.port or 80, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Host": parts.netloc, **headers})
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, **kw: Any) -> None:
        super().__init__(host, port, **kw)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, **kw: Any) -> None:
        super().__init__(host, port, context=ssl.create_default_context(), **kw)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
