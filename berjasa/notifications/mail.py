"""E-mail (only when BERJASA_SMTP_URL is set): an immediate mail for the rules that mail (escalations, to the
supervisors), and a daily digest per user of what is due soon and overdue for them. Each mail is a delivery
(berjasa/notifications/deliveries.py) in the reader's language, made once per (kind, subject, user)."""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.models import User
from berjasa.db import upsert, utcnow
from berjasa.events.contract import Event
from berjasa.notifications.models import DigestRun
from berjasa.notifications.outcome import Outcome, elapsed_ms
from berjasa.sla.models import ClockRow
from workflows.notifications import WITA, Rule, render, word
from workflows.roles import Role

SUBJECTS = {"id": "Berjasa: {message}", "en": "Berjasa: {message}"}
DIGEST = {
    "id": ("Berjasa: ringkasan harian {day}: {overdue} terlambat, {soon} segera jatuh tempo",
           "Terlambat", "Segera jatuh tempo", "jatuh tempo"),
    "en": ("Berjasa: daily digest {day}: {overdue} overdue, {soon} due soon", "Overdue", "Due soon", "due"),
}


def immediate(session: Session, made: Sequence[tuple[Event, Rule, dict[str, Any], list[Any]]],
              config: Mapping[str, Any], now: datetime) -> list[dict[str, Any]]:
    """A mail per user with an address in the audiences of the rules that mail (an escalation, to supervisors)."""
    mailing = [(event, rule, params, audiences) for event, rule, params, audiences in made if rule.email]
    rows = []
    for event, rule, params, audiences in mailing:
        for user_id, address, language in users_of(session, audiences):
            message = render(rule.name, params, language)
            path = _link(event, params)
            text = message + (f"\n\n{config['PUBLIC_URL']}{path}\n" if path else "\n")
            rows.append({"channel": "email", "key": f"{rule.name}:{event.event_id}:{user_id}", "user_id": user_id,
                         "endpoint_id": None, "event_type": event.event_type, "created_at": now,
                         "body": {"to": address, "subject": SUBJECTS[language].format(message=message),
                                  "text": text}})
    return rows


def users_of(session: Session, audiences: Sequence[Any]) -> list[tuple[int, str, str]]:
    """(id, e-mail, language) of the users in these audiences who have an address."""
    if not audiences:
        return []
    pairs = [(Role(a.role), a.party_id) for a in audiences]
    return session.execute(sa.select(User.id, User.email, User.language).where(
        User.email.is_not(None), sa.tuple_(User.role, User.party_id).in_(pairs)).order_by(User.id)).tuples().all()


def _link(event: Event, params: Mapping[str, Any]) -> str | None:
    from berjasa.notifications.service import link

    return link(event.case_type, event.case_id, params)


# ---------------------------------------------------------------- the daily digest
def digest(session: Session, config: Mapping[str, Any], now: datetime | None = None) -> int:
    """On the first tick after DIGEST_HOUR (WITA) of a day: a mail per user with an address listing the open
    clocks of their party that are overdue or due within DIGEST_DUE_SOON_DAYS; once per day (the DigestRun row,
    written in the same transaction). Return how many mails were made (0 if not yet time or done already)."""
    from berjasa.notifications.deliveries import create
    from berjasa.transaction import unit_of_work

    now = now or utcnow()
    local = now.astimezone(WITA)
    if not config["SMTP_URL"] or local.hour < config["DIGEST_HOUR"]:
        return 0
    with unit_of_work(session):
        first = session.execute(upsert(session, DigestRun).values(day=local.date(), at=now, mails=0)
                                .on_conflict_do_nothing().returning(DigestRun.day)).first()
        if first is None:
            return 0
        soon = now + timedelta(days=config["DIGEST_DUE_SOON_DAYS"])
        rows = [row for user in _readers(session) if (row := _digest_mail(session, user, local.date(), now, soon,
                                                                           config)) is not None]
        made = create(session, rows, config)
        session.execute(sa.update(DigestRun).where(DigestRun.day == local.date()).values(mails=made))
    return made


def _readers(session: Session) -> list[Any]:
    return session.execute(sa.select(User.id, User.email, User.language, User.role, User.party_id)
                           .where(User.email.is_not(None), User.role != Role.ADMIN).order_by(User.id)).all()


def _digest_mail(session: Session, user: Any, day: date, now: datetime, soon: datetime,
                 config: Mapping[str, Any]) -> dict[str, Any] | None:
    clocks = session.execute(sa.select(ClockRow.case_type, ClockRow.case_id, ClockRow.policy, ClockRow.due_at,
                                       ClockRow.state)
                             .where(ClockRow.state.in_(["running", "breached"]), ClockRow.due_at < soon,
                                    _mine(user)).order_by(ClockRow.due_at)).all()
    if not clocks:
        return None
    english = user.language == "en"
    subject, overdue_title, soon_title, due_word = DIGEST["en" if english else "id"]
    overdue = [c for c in clocks if c.state == "breached" or c.due_at <= now]
    upcoming = [c for c in clocks if c not in overdue]
    lines = []
    for title, group in ((overdue_title, overdue), (soon_title, upcoming)):
        if group:
            lines.append(f"{title} ({len(group)}):")
            lines += [f"- {word('policy', c.policy, english)}, {word('case', (c.case_type, c.case_id), english)}, "
                      f"{due_word} {word('due', c.due_at.isoformat(), english)}: "
                      f"{config['PUBLIC_URL']}/api/v1/{c.case_type}s/{c.case_id}" for c in group]
            lines.append("")
    return {"channel": "email", "key": f"digest:{day.isoformat()}:{user.id}", "user_id": user.id, "endpoint_id": None,
            "event_type": "digest", "created_at": now,
            "body": {"to": user.email, "subject": subject.format(day=day.isoformat(), overdue=len(overdue),
                                                                 soon=len(upcoming)), "text": "\n".join(lines)}}


def _mine(user: Any) -> sa.ColumnElement[bool]:
    """The clocks a user answers for: their party's (a hospital's staff: their hospital's); supervisors all."""
    role = Role(user.role)
    if role is Role.SUPERVISOR:
        return sa.true()
    if role is Role.HOSPITAL_STAFF:
        return sa.and_(ClockRow.party == "hospital", ClockRow.hospital_id == user.party_id)
    return ClockRow.party == ("bpjs" if role is Role.BPJS_OFFICER else "disnaker")


# ---------------------------------------------------------------- sending
def send(smtp_url: str, sender: str, body: Mapping[str, Any], msg_id: str, *, timeout: float):
    """Send one mail; returns the outcome (never raises for the server's refusal or the network)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, body["to"], body["subject"]
    message["Message-ID"] = make_msgid(msg_id.removeprefix("msg_"))
    message.set_content(body["text"])
    started = time.perf_counter()
    try:
        with _connect(smtp_url, timeout) as client:
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        code = getattr(exc, "smtp_code", None)
        return Outcome(False, code, elapsed_ms(started), f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(True, 250, elapsed_ms(started))


def _connect(url: str, timeout: float) -> smtplib.SMTP:
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=timeout)
        if options.get("starttls", ["false"])[0].lower() in ("1", "true", "yes"):
            client.starttls(context=ssl.create_default_context())
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client
