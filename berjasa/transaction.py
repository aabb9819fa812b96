"""The transaction boundary. Every write goes through `unit_of_work`; nothing else commits.

    with unit_of_work(session):
        ...change rows, append audit events, emit() outbox events...

The block's end writes the buffered outbox events (one INSERT), commits, and wakes the relay; an
exception anywhere, the commit included, rolls everything back and drops the buffer. So a state change,
its audit event and its outbox events commit together or not at all, and nothing leaves the process
before the commit.

Policy on requests that only read (READS): on PostgreSQL a GET or HEAD request runs its statements in
autocommit, with no BEGIN and ROLLBACK around them (`open_request`); each statement sees what was
committed when it ran. A read that must see one snapshot across statements opens a transaction of its own.

Policy on reads before the write (CARRY ON): on PostgreSQL, a transaction that has only read so far
and was marked so with `mark_read_only()` (the request's token look-up does it) is carried on by the
next unit of work instead of being rolled back and begun again: two round trips fewer per request, and
the write sees the same snapshot as the read only up to its own row locks, which re-read the rows
(`populate_existing`). Any other open transaction is rolled back first. On SQLite every unit of work
begins afresh with BEGIN IMMEDIATE, so concurrent writers queue on the busy timeout instead of failing
with "database is locked" at commit."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.orm import Session

from berjasa.events import outbox

#: session.info key: the transaction that has only read so far (see mark_read_only).
READ_SO_FAR = "berjasa.read_so_far"
READ_METHODS = frozenset({"GET", "HEAD"})


def open_request(session: Session, method: str) -> None:
    """Before a request's first statement: a GET or HEAD on PostgreSQL reads in autocommit (policy READS)."""
    if method in READ_METHODS and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def mark_read_only(session: Session) -> None:
    """Note that the session's open transaction has only read: the next unit of work may carry it on."""
    session.info[READ_SO_FAR] = session.get_transaction()


@contextlib.contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """One write transaction: begin (or carry on a read), write the outbox, commit, wake the relay."""
    outbox.open_buffer(session)  # first: a nested unit of work is refused before it touches anything
    try:
        _begin(session)
        yield session
        wrote = outbox.write_buffer(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        outbox.close_buffer(session)
    if wrote:
        outbox.wake()


def _begin(session: Session) -> None:
    sqlite = session.get_bind().dialect.name == "sqlite"
    read_so_far = session.info.pop(READ_SO_FAR, None)
    carry_on = (not sqlite and read_so_far is not None and read_so_far is session.get_transaction()
                and not (session.new or session.dirty or session.deleted))
    if carry_on:
        return
    if session.in_transaction():
        session.rollback()
    session.begin()
    if sqlite:
        session.connection(execution_options={"berjasa_write": True})
