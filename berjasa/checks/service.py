"""When the checks run: on events (what an event is about), after imports and nightly (in full), or on request;
and what `GET /checks` shows of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.bpjs.models import BpjsMembership
from berjasa.checks.claims import admitted_at
from berjasa.checks.findings import Scope
from berjasa.checks.models import CheckNight, CheckRun
from berjasa.checks.runner import run_checks
from berjasa.claims.models import Claim
from berjasa.db import insert_many, read_only, upsert, utcnow
from berjasa.discrepancies.models import Discrepancy
from berjasa.enrolment.models import Enrolment
from berjasa.events.contract import Event
from berjasa.events.models import Timer
from berjasa.events.outbox import emit
from berjasa.registry.models import Participant
from berjasa.time import WITA
from berjasa.transaction import unit_of_work
from workflows.checks import CHECKS, Check, after_import, triggered_by
from workflows.discrepancy import OPEN_STATES

#: The timer that wakes admitted_not_verified when an admission has waited BERJASA_CHECK_ADMITTED_DAYS.
ADMITTED_TIMER = "check.admitted_not_verified"


def handle_events(session: Session, events: Sequence[Event], config: Mapping[str, Any]) -> list[CheckRun]:
    """The checks' consumer: full runs after imports and on request, scoped runs on what events are about."""
    runs: list[CheckRun] = []
    for event in events:
        if event.event_type in ("import.finished", "import.repeated"):
            runs += after_import_finished(session, event.payload["batch_id"], event.payload["kind"], config,
                                          again=event.event_type == "import.repeated")
        elif event.event_type == "checks.requested":
            names = event.payload.get("checks") or [check.name for check in CHECKS]
            runs += run_checks(session, [c for c in CHECKS if c.name in names], trigger=event.payload["trigger"],
                               config=dict(config))
    scoped = [e for e in events if e.event_type not in ("import.finished", "import.repeated", "checks.requested")]
    _schedule_admission_timers(session, [e for e in scoped if e.event_type == "claim.admit"], config)
    for checks, scope in _scoped_runs(session, scoped):
        runs += run_checks(session, checks, trigger="event", config=dict(config), scope=scope)
    return runs


def after_import_finished(session: Session, batch_id: int, kind: str, config: Mapping[str, Any], *,
                          again: bool = False) -> list[CheckRun]:
    """The full run after an import: once per batch (a run recorded for it already, e.g. by the CLI, is enough),
    or `again` when the same file was uploaded once more and its batch is used as it is (`import.repeated`)."""
    if not again:
        with read_only(session):
            done = session.scalar(sa.select(sa.func.count()).select_from(CheckRun)
                                  .where(CheckRun.import_batch_id == batch_id))
        if done:
            return []
        if kind == "bpjs":
            prune_older_files(session, batch_id)
    return run_checks(session, after_import(kind), trigger="import", config=dict(config), import_batch_id=batch_id)


def prune_older_files(session: Session, batch_id: int) -> int:
    """Delete the rows of BPJS files older than this one (the newest imported in full is the one compared); on
    PostgreSQL the table's statistics are taken anew, so the checks' joins are planned for the file as it is."""
    with unit_of_work(session):
        deleted = session.execute(sa.delete(BpjsMembership).where(BpjsMembership.batch_id < batch_id)).rowcount
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("ANALYZE bpjs_memberships"))
    return deleted


def _scoped_runs(session: Session, events: Sequence[Event]) -> list[tuple[list[Check], Scope | None]]:
    """Group the events' subjects by check: each check runs once on everything the batch is about (checks whose
    scope is "all" run in full)."""
    by_check: dict[str, tuple[set[int], set[int]]] = {}
    with read_only(session):
        enrolments = _participants_of(session, {e.case_id for e in events if e.case_type == "enrolment"})
        for event in events:
            people, claims = _subjects(event, enrolments)
            for check in triggered_by(event.event_type):
                if people or claims or check.scope == "all":
                    mine = by_check.setdefault(check.name, (set(), set()))
                    mine[0].update(people)
                    mine[1].update(claims)
        wanted = {p for people, _ in by_check.values() for p in people}
        niks = dict(session.execute(sa.select(Participant.id, Participant.nik).where(
            Participant.id.in_(sorted(wanted)))).tuples().all()) if wanted else {}
    runs: list[tuple[list[Check], Scope | None]] = []
    for check in CHECKS:
        if check.name in by_check:
            people, claims = by_check[check.name]
            scope = Scope(frozenset(people), frozenset(claims), frozenset(niks[p] for p in people if p in niks))
            runs.append(([check], None if check.scope == "all" else scope))
    return runs


def _subjects(event: Event, enrolments: Mapping[int, int]) -> tuple[set[int], set[int]]:
    """(participants, claims) an event is about."""
    if event.event_type == "timer.due" and event.payload.get("kind") != ADMITTED_TIMER:
        return set(), set()
    if event.case_type == "enrolment" and event.case_id in enrolments:
        return {enrolments[event.case_id]}, set()
    if event.case_type == "participant" and event.case_id is not None:
        return {event.case_id}, set()
    if event.case_type == "claim" and event.case_id is not None:
        return set(), {event.case_id}
    return set(), set()


def _participants_of(session: Session, enrolment_ids: set[int | None]) -> dict[int, int]:
    ids = sorted(i for i in enrolment_ids if i is not None)
    if not ids:
        return {}
    return dict(session.execute(sa.select(Enrolment.id, Enrolment.participant_id).where(Enrolment.id.in_(ids))
                                ).tuples().all())


def _schedule_admission_timers(session: Session, admissions: Sequence[Event], config: Mapping[str, Any]) -> None:
    """On an admission, a timer for when it will have waited BERJASA_CHECK_ADMITTED_DAYS: the tick then wakes the
    admitted_not_verified check for that claim (timers are rows, never delayed messages)."""
    if not admissions:
        return
    days = timedelta(days=int(config.get("CHECK_ADMITTED_DAYS", 7)))
    with unit_of_work(session):
        care = dict(session.execute(sa.select(Claim.id, Claim.care).where(
            Claim.id.in_([e.case_id for e in admissions]))).tuples().all())
        rows = [{"kind": ADMITTED_TIMER, "case_type": "claim", "case_id": e.case_id,
                 "due_at": (admitted_at(care.get(e.case_id)) or e.at) + days + timedelta(seconds=1),
                 "fired_at": None, "payload": {"admit_event": e.event_id}, "created_at": utcnow()}
                for e in admissions if e.case_id in care]
        insert_many(session, Timer.__table__, rows)


def request_nightly(session: Session, config: Mapping[str, Any], now: datetime | None = None) -> bool:
    """On the first tick after BERJASA_CHECK_NIGHTLY_HOUR (WITA) of a day, ask for a full run of every check,
    once a day (the CheckNight row, in the same transaction as the request). Return whether it asked."""
    now = now or utcnow()
    local = now.astimezone(WITA)
    if local.hour < int(config.get("CHECK_NIGHTLY_HOUR", 2)):
        return False
    with unit_of_work(session):
        first = session.execute(upsert(session, CheckNight).values(day=local.date(), at=now)
                                .on_conflict_do_nothing().returning(CheckNight.day)).first()
        if first is not None:
            emit(session, "checks.requested", payload={"trigger": "nightly", "checks": []})
    return first is not None


def request_run(session: Session, checks: Sequence[str], requested_by: str) -> None:
    """Ask the workers for a full run of these checks (every check if none is named)."""
    with unit_of_work(session):
        emit(session, "checks.requested", payload={"trigger": "manual", "checks": list(checks),
                                                   "requested_by": requested_by})


def list_checks(*, session: Session) -> list[dict[str, Any]]:
    """Every declared check with its last run, its last full run and how many of its discrepancies are open."""
    with read_only(session):
        last = _last_runs(session, full_only=False)
        full = _last_runs(session, full_only=True)
        open_ = dict(session.execute(sa.select(Discrepancy.check, sa.func.count()).where(
            Discrepancy.state.in_([s.value for s in OPEN_STATES])).group_by(Discrepancy.check)).tuples().all())
    return [{"name": c.name, "compares": c.compares, "party": c.party, "severity": c.severity, "subject": c.subject,
             "events": list(c.events), "imports": list(c.imports), "open": open_.get(c.name, 0),
             "last_run": last.get(c.name), "last_full_run": full.get(c.name)} for c in CHECKS]


def _last_runs(session: Session, *, full_only: bool) -> dict[str, CheckRun]:
    newest = sa.select(sa.func.max(CheckRun.id)).group_by(CheckRun.check)
    if full_only:
        newest = newest.where(CheckRun.full.is_(True))
    return {run.check: run for run in session.scalars(sa.select(CheckRun).where(CheckRun.id.in_(newest)))}
