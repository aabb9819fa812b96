"""The fan-out: a batch of events -> one notification per (rule, event, recipient), and what the channels send of
them (webhook deliveries to the recipients' parties, immediate e-mails), in the consumer's transaction.

Reminders ride along: an `sla.breached` schedules the clock's first reminder (a timer row), and a reminder's
`timer.due` emits `sla.reminder` while the clock stays breached (berjasa/notifications/reminders.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from berjasa.db import insert_many, utcnow
from berjasa.events.contract import Event
from berjasa.notifications import deliveries, reminders
from berjasa.notifications.models import Notification
from berjasa.notifications.recipients import Context, contexts, resolve
from berjasa.parties.service import party_codes
from workflows.notifications import EVENT_TYPES, Rule, rules_for

#: Notification parameters taken from the transition's data, by parameter name: the data field.
FROM_DATA = {"documents": "missing", "hospital": "hospital", "reason": "reason_code", "kpj": "kpj_number",
             "effective_date": "effective_date"}


def notify(session: Session, events: Sequence[Event]) -> int:
    """Handle a batch of events (inside the consumer's unit of work); return how many notification rows it
    offered (those already there are left as they are)."""
    config = current_app.config
    reminders.fire(session, [e for e in events if reminders.is_reminder(e)], config)
    todo = [e for e in events if e.event_type in EVENT_TYPES]
    if not todo:
        return 0
    rows, made = [], []
    now = utcnow()
    for context in contexts(session, todo):
        for rule in rules_for(context.event.event_type, context.facts):
            params = parameters(session, rule, context)
            audiences = resolve(session, rule.audiences, context)
            rows.extend(_row(context.event, rule, audience, params, now) for audience in audiences)
            made.append((context.event, rule, params, audiences))
    insert_many(session, Notification.__table__, rows, skip_conflicts=True)
    deliveries.offer(session, made, config)
    reminders.schedule(session, [e for e in todo if e.event_type == "sla.breached"], config)
    return len(rows)


def _row(event: Event, rule: Rule, audience: Any, params: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"event_id": event.event_id, "event_type": event.event_type, "rule": rule.name, "recipient": audience.key,
            "audience_role": audience.role, "audience_party_id": audience.party_id, "user_id": None,
            "case_type": event.case_type, "case_id": event.case_id, "params": params, "created_at": now}


def parameters(session: Session, rule: Rule, context: Context) -> dict[str, Any]:
    """What the rule's message says, as plain values (rendered in the reader's language when shown)."""
    event, payload = context.event, context.event.payload
    params: dict[str, Any] = {}
    if event.case_id is not None:
        params["case"] = [event.case_type, event.case_id]
    if event.event_type.startswith("sla."):
        params.update(_clock_params(session, payload, event.at))
    for name, source in FROM_DATA.items():
        if source in context.data:
            params[name] = context.data[source]
    if context.facts.get("check"):
        params["check"] = context.facts["check"]
        if not event.event_type.startswith("sla."):
            params["party"] = _party_word(session, context.facts.get("party"), context.facts.get("hospital_id"))
    if "reporter" in context.facts:
        params["reporter"] = context.facts["reporter"]
    if context.facts.get("paid_total") is not None:
        params["amount"] = context.facts["paid_total"]
    if event.event_type == "webhook.disabled":
        params.update(webhook=payload.get("endpoint_id"), party=payload.get("party"),
                      failures=payload.get("failures"), link=f"/api/v1/webhooks/{payload.get('endpoint_id')}")
    return params


def _party_word(session: Session, party: str | None, hospital_id: int | None) -> str | None:
    """A party as its message names it: disnaker, bpjs, or the hospital's code."""
    if party == "hospital":
        return party_codes(session, [hospital_id]).get(hospital_id, party)
    return party


def _clock_params(session: Session, payload: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    due = datetime.fromisoformat(payload["due_at"]) if payload.get("due_at") else None
    party = payload.get("party")
    if party == "hospital":
        party = party_codes(session, [payload.get("hospital_id")]).get(payload.get("hospital_id"), party)
    params = {"policy": payload.get("policy"), "due": payload.get("due_at"), "party": party}
    if due is not None:
        params["left"] = max(0.0, (due - at).total_seconds())
        # a reminder tells how late the clock is now; an escalation by how much it was late when it escalated
        params["late"] = max(0.0, (at - due).total_seconds())
        if "reminder" not in payload and payload.get("lateness_seconds"):
            params["late"] = payload["lateness_seconds"]
    if "reminder" in payload:
        params["reminder"] = payload["reminder"]
    return params


def link(case_type: str | None, case_id: int | None, params: Mapping[str, Any]) -> str | None:
    """Where the notification points: its case, or what it is about (a webhook endpoint)."""
    if params.get("link"):
        return params["link"]
    if case_type and case_id is not None:
        return f"/api/v1/{case_type}s/{case_id}"
    return None
