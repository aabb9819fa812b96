"""The inbox: what was addressed to the caller's audience (their role within their party: a hospital's staff see
only their hospital's) or to them, newest first, with its read state per user; and the caller's preferences
(language, e-mail address)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.models import User
from berjasa.auth.service import Actor
from berjasa.db import read_only, upsert, utcnow
from berjasa.errors import NotFound
from berjasa.notifications.models import Notification, NotificationRead
from berjasa.pagination import Page, paginate
from berjasa.transaction import unit_of_work


def visible(actor: Actor) -> sa.ColumnElement[bool]:
    """What the caller may see: addressed to their role within their party, or to them."""
    return sa.or_(sa.and_(Notification.audience_role == actor.role.value,
                          Notification.audience_party_id == actor.party_id),
                  Notification.user_id == actor.user_id)


def _read_by(actor: Actor) -> sa.Exists:
    return sa.exists().where(NotificationRead.notification_id == Notification.id,
                             NotificationRead.user_id == actor.user_id)


def listing(*, session: Session, actor: Actor, page: int, per_page: int, unread: bool | None = None) -> tuple[Page, int,
                                                                                                      set[int], str]:
    """A page of the inbox, newest first (unread only if asked), with the unread count, the ids on the page that
    the caller has read, and the caller's language."""
    query = sa.select(Notification).where(visible(actor)).order_by(Notification.id.desc())
    if unread:
        query = query.where(~_read_by(actor))
    with read_only(session):
        shown = paginate(session, query, page=page, per_page=per_page)
        count = shown.total if unread else unread_count(session, actor)  # only the unread: counted already
        read = _read_among(session, actor, [n.id for n in shown.items])
        language = language_of(session, actor)
    return shown, count, read, language


def unread_count(session: Session, actor: Actor) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Notification)
                          .where(visible(actor), ~_read_by(actor))) or 0


def _read_among(session: Session, actor: Actor, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(sa.select(NotificationRead.notification_id).where(
        NotificationRead.user_id == actor.user_id, NotificationRead.notification_id.in_(ids))))


def mark_read(*, session: Session, actor: Actor, notification_id: int) -> tuple[Notification, int, str]:
    """Mark one notification read (again is fine); 404 if it is not the caller's to see."""
    with unit_of_work(session):
        notification = session.scalar(sa.select(Notification).where(Notification.id == notification_id,
                                                                     visible(actor)))
        if notification is None:
            raise NotFound(f"No notification {notification_id}")
        session.execute(upsert(session, NotificationRead).values(
            notification_id=notification_id, user_id=actor.user_id, read_at=utcnow()).on_conflict_do_nothing())
        count = unread_count(session, actor)
        language = language_of(session, actor)
    return notification, count, language


def mark_all_read(*, session: Session, actor: Actor) -> int:
    """Mark everything the caller can see as read, in one statement; return how many were unread."""
    with unit_of_work(session):
        now = sa.literal(utcnow(), NotificationRead.read_at.type)
        unread = sa.select(Notification.id, sa.literal(actor.user_id), now).where(visible(actor), ~_read_by(actor))
        marked = session.execute(upsert(session, NotificationRead).from_select(
            ["notification_id", "user_id", "read_at"], unread).on_conflict_do_nothing()
            .returning(NotificationRead.notification_id)).scalars().all()
    return len(marked)


def language_of(session: Session, actor: Actor) -> str:
    return session.scalar(sa.select(User.language).where(User.id == actor.user_id)) or "id"


def preferences(*, session: Session, actor: Actor) -> dict[str, Any]:
    with read_only(session):
        row = session.execute(sa.select(User.language, User.email).where(User.id == actor.user_id)).one()
    return {"language": row.language, "email": row.email}


def set_preferences(*, session: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Change the caller's language or e-mail address (null: no e-mail)."""
    changes = {name: data[name] for name in ("language", "email") if name in data}
    with unit_of_work(session):
        if changes:
            session.execute(sa.update(User).where(User.id == actor.user_id).values(**changes))
        row = session.execute(sa.select(User.language, User.email).where(User.id == actor.user_id)).first()
        if row is None:
            raise NotFound("No such user")
    return {"language": row.language, "email": row.email}
