"""Health checks and ping records."""

from __future__ import annotations

import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from berjasa.system.models import Ping
from berjasa.transaction import unit_of_work

PING_EVENT = "system.ping"


def check_database(session: Session) -> str | None:
    """None when the database answers, else the reason."""
    try:
        with session.begin():
            session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"database: {type(exc).__name__}"
    return None


def check_broker(broker_url: str) -> str | None:
    """None when the broker answers (or is the embedded in-process one), else the reason."""
    if not broker_url:
        return None
    try:
        client = Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except RedisError as exc:
        return f"broker: {type(exc).__name__}"
    return None


def record_ping(*, session: Session, nonce: str, handled_by: str) -> bool:
    """Store a handled ping once; False when this nonce was handled before."""
    with unit_of_work(session):
        if session.scalar(sa.select(Ping.id).where(Ping.nonce == nonce)) is not None:
            return False
        session.add(Ping(nonce=nonce, handled_by=handled_by))
    return True


def request_ping(*, session: Session, nonce: str) -> None:
    """Ask a worker for a pong through the outbox (the embedded mode: the server's relay hands it over)."""
    from berjasa.events.outbox import emit

    with unit_of_work(session):
        emit(session, PING_EVENT, payload={"nonce": nonce})


def find_ping(*, session: Session, nonce: str) -> Ping | None:
    with session.begin():
        return session.scalar(sa.select(Ping).where(Ping.nonce == nonce))
