"""A case's timeline: one list, in time order, of everything that happened to it, gathered from sources: its
transitions (with actor and party), its SLA clocks (started, warned, breached, escalated, met, cancelled), the
justifications of its breaches, the notifications sent about it, and the discrepancies the cross-checks found about
it (opened, acknowledged, resolved, dismissed, reopened).

A source is a function (session, caller, case_type, case_id) -> entries; SOURCES lists them. A new kind of thing
about cases adds a source there."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.discrepancies import scope as discrepancy_scope
from berjasa.discrepancies.models import Discrepancy
from berjasa.discrepancies.responses import subject
from berjasa.enrolment.models import Enrolment
from berjasa.events.models import CaseEvent
from berjasa.notifications import inbox
from berjasa.notifications.models import Notification
from berjasa.parties.service import party_codes
from berjasa.sla.models import Breach, ClockRow
from berjasa.sla.service import breach_scope
from berjasa.time import wita_iso
from workflows.notifications import render
from workflows.roles import Role

#: Within one instant: the transition, then what it did to clocks, then what was said about it.
ORDER = {"transition": 0, "clock_met": 1, "clock_cancelled": 1, "clock_started": 2, "clock_warned": 3,
         "clock_breached": 4, "clock_escalated": 5, "breach_justified": 6, "notification_sent": 7,
         "discrepancy_opened": 8, "discrepancy_acknowledged": 8, "discrepancy_resolved": 8, "discrepancy_dismissed": 8,
         "discrepancy_reopened": 8}
#: Roles that see every notification about a case (Disnaker's); others see what was addressed to them.
ALL_NOTIFICATIONS = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)


Source = Callable[[Session, Actor, str, int], Iterable[Entry]]


def transitions(session: Session, _actor: Actor, case_type: str, case_id: int) -> Iterable[Entry]:
    for event in session.scalars(sa.select(CaseEvent).where(CaseEvent.case_type == case_type,
                                                            CaseEvent.case_id == case_id).order_by(CaseEvent.seq)):
        yield Entry(event.created_at, "transition", {
            "seq": event.seq, "trigger": event.trigger, "from_state": event.from_state, "to_state": event.to_state,
            "actor": event.actor, "role": event.role, "party": event.party, "reason": event.reason,
            "data": event.data})


CLOCK_MOMENTS = (("started_at", "clock_started"), ("warned_at", "clock_warned"), ("breached_at", "clock_breached"),
                 ("escalated_at", "clock_escalated"))


def clocks(session: Session, _actor: Actor, case_type: str, case_id: int) -> Iterable[Entry]:
    rows = list(session.scalars(sa.select(ClockRow).where(ClockRow.case_type == case_type,
                                                          ClockRow.case_id == case_id).order_by(ClockRow.id)))
    codes = party_codes(session, {c.hospital_id for c in rows})
    for clock in rows:
        about = {"clock_id": clock.id, "policy": clock.policy, "run": clock.run, "party": clock.party,
                 "hospital": codes.get(clock.hospital_id), "due_at": wita_iso(clock.due_at)}
        for column, kind in CLOCK_MOMENTS:
            if getattr(clock, column) is not None:
                yield Entry(getattr(clock, column), kind, about)
        if clock.stopped_at is not None:
            late = clock.lateness if clock.state == "met" and clock.lateness else None
            yield Entry(clock.stopped_at, f"clock_{clock.state}", about | {
                "late_seconds": round(late) if late else None})


def justifications(session: Session, actor: Actor, case_type: str, case_id: int) -> Iterable[Entry]:
    query = sa.select(Breach).where(Breach.case_type == case_type, Breach.case_id == case_id,
                                    Breach.justified.is_(True), breach_scope(actor))
    for breach in session.scalars(query):
        yield Entry(breach.justified_at, "breach_justified", {
            "breach_id": breach.id, "clock_id": breach.clock_id, "policy": breach.policy, "party": breach.party,
            "code": breach.justification_code, "note": breach.justification_note, "by": breach.justified_by})


def notifications(session: Session, actor: Actor, case_type: str, case_id: int) -> Iterable[Entry]:
    query = sa.select(Notification).where(Notification.case_type == case_type, Notification.case_id == case_id)
    if actor.role not in ALL_NOTIFICATIONS:
        query = query.where(inbox.visible(actor))
    rows = list(session.scalars(query.order_by(Notification.id)))
    codes = party_codes(session, {n.audience_party_id for n in rows})
    language = inbox.language_of(session, actor) if rows else "id"
    for notification in rows:
        to = (f"{notification.audience_role}@{codes.get(notification.audience_party_id)}"
              if notification.audience_role else notification.recipient)
        yield Entry(notification.created_at, "notification_sent", {
            "notification_id": notification.id, "rule": notification.rule, "event_type": notification.event_type,
            "to": to, "message": render(notification.rule, notification.params, language)})


#: A discrepancy's trigger as a timeline entry's kind.
DISCREPANCY_KINDS = {"create": "discrepancy_opened", "acknowledge": "discrepancy_acknowledged",
                     "resolve": "discrepancy_resolved", "dismiss": "discrepancy_dismissed",
                     "reopen": "discrepancy_reopened"}
#: What a discrepancy about an enrolment's person may be about besides the enrolment itself.
PERSON_SUBJECTS = ("participant", "nik")


def discrepancies(session: Session, actor: Actor, case_type: str, case_id: int) -> Iterable[Entry]:
    """What the cross-checks found about the case, each change of it an entry: about the claim itself; about the
    enrolment itself, its participant or the participant's NIK. As far as the caller sees the discrepancy queue
    (hospital staff: what is attributed to their hospital)."""
    about = _discrepancies_about(session, case_type, case_id)
    if about is None:
        return
    found = {d.id: d for d in session.scalars(discrepancy_scope.visible(actor).apply(about, Discrepancy))}
    if not found:
        return
    codes = party_codes(session, {d.hospital_id for d in found.values()})
    events = session.scalars(sa.select(CaseEvent).where(CaseEvent.case_type == "discrepancy",
                                                        CaseEvent.case_id.in_(sorted(found)))
                             .order_by(CaseEvent.case_id, CaseEvent.seq))
    for event in events:
        case = found[event.case_id]
        hospital = codes.get(case.hospital_id)
        yield Entry(event.created_at, DISCREPANCY_KINDS.get(event.trigger, f"discrepancy_{event.trigger}"), {
            "discrepancy_id": case.id, "check": case.check,
            "party": hospital if case.party == "hospital" and hospital else case.party, "hospital": hospital,
            "subject": subject(case, actor), "from_state": event.from_state, "to_state": event.to_state,
            "actor": event.actor, "role": event.role, "reason": event.reason})


def _discrepancies_about(session: Session, case_type: str, case_id: int) -> sa.Select | None:
    if case_type == "claim":
        return sa.select(Discrepancy).where(Discrepancy.claim_id == case_id, Discrepancy.subject_type == "claim")
    if case_type == "enrolment":
        participant_id = session.scalar(sa.select(Enrolment.participant_id).where(Enrolment.id == case_id))
        return sa.select(Discrepancy).where(Discrepancy.participant_id == participant_id, sa.or_(
            Discrepancy.subject_type.in_(PERSON_SUBJECTS),
            sa.and_(Discrepancy.subject_type == "enrolment", Discrepancy.subject_key == str(case_id))))
    return None


#: Where a timeline's entries come from, in order of precedence within one instant.
SOURCES: list[Source] = [transitions, clocks, justifications, notifications, discrepancies]


def timeline(session: Session, actor: Actor, case_type: str, case_id: int) -> list[Entry]:
    """Every source's entries for the case, oldest first (an instant's entries in ORDER)."""
    entries = [entry for source in SOURCES for entry in source(session, actor, case_type, case_id)]
    return sorted(entries, key=lambda e: (e.at, ORDER.get(e.kind, len(ORDER))))


def timeline_response(case_type: str, case_id: int, entries: Iterable[Entry]) -> dict[str, Any]:
    return {"case_type": case_type, "case_id": case_id,
            "entries": [{"at": wita_iso(e.at), "kind": e.kind, "detail": e.detail} for e in entries]}
