"""Running a check: its findings set against the discrepancies it opened before, in one transaction per check.

New subjects open discrepancies (in bulk); known open ones get the latest evidence; resolved ones found again are
reopened, dismissed ones only if their evidence changed; open ones the run no longer finds (within its scope) are
resolved by the system, "resolved by data". Every change of state goes through the case write path (audit event,
outbox event, clocks)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.auth.service import Actor
from berjasa.cases import service as cases
from berjasa.checks import claims, people, premiums
from berjasa.checks.findings import Context, Finding, Scope, Settings, current_bpjs_file
from berjasa.checks.models import CheckRun
from berjasa.db import utcnow
from berjasa.discrepancies.models import Discrepancy
from berjasa.discrepancies.opening import open_many
from berjasa.discrepancies.triggers import TRIGGERS
from berjasa.events.outbox import plain_json
from berjasa.transaction import unit_of_work
from workflows.checks import BY_NAME, CHECKS, Check
from workflows.discrepancy import OPEN_STATES, DiscrepancyState

log = logging.getLogger("berjasa.checks")
SYSTEM = Actor.system("checks")

Finder = Callable[[Context], list[Finding]]
#: The query of each declared check (workflows/checks.py), by name.
FINDERS: dict[str, Finder] = {
    "enrolment_active_not_at_bpjs": people.enrolment_active_not_at_bpjs,
    "active_at_bpjs_not_in_city": people.active_at_bpjs_not_in_city,
    "kpj_mismatch": people.kpj_mismatch,
    "identity_mismatch": people.identity_mismatch,
    "arrears": people.arrears,
    "premium_invoice_mismatch": premiums.premium_invoice_mismatch,
    "premium_unpaid": premiums.premium_unpaid,
    "admitted_not_verified": claims.admitted_not_verified,
    "claim_without_cover": claims.claim_without_cover,
    "care_cost_mismatch": claims.care_cost_mismatch,
    "duplicate_open_claims": claims.duplicate_open_claims,
    "paid_for_deceased_or_moved": people.paid_for_deceased_or_moved,
    "registered_elsewhere": people.registered_elsewhere,
}
assert set(FINDERS) == {check.name for check in CHECKS}, "every declared check has a finder, and only those"
#: Checks that compare with the BPJS membership file: skipped until one is imported.
NEEDS_BPJS_FILE = frozenset({"enrolment_active_not_at_bpjs", "active_at_bpjs_not_in_city", "kpj_mismatch",
                             "identity_mismatch", "arrears", "paid_for_deceased_or_moved", "registered_elsewhere"})


@dataclass
class Outcome:
    """What one run of one check did; `lapse` lists the enrolments an arrears finding asks to lapse."""

    run: CheckRun
    lapse: list[Finding]


def run_checks(session: Session, checks: Sequence[Check], *, trigger: str, config: dict, scope: Scope | None = None,
               import_batch_id: int | None = None, now: datetime | None = None) -> list[CheckRun]:
    """Run these checks (in full, or on `scope`), each in a transaction of its own; return their run records."""
    runs = []
    settings = Settings.from_config(config)
    for check in checks:
        outcome = run_one(session, check, trigger=trigger, settings=settings, config=config, scope=scope,
                          import_batch_id=import_batch_id, now=now or utcnow())
        runs.append(outcome.run)
        if outcome.lapse and settings.arrears_lapse:
            from berjasa.checks.lapse import lapse_in_arrears

            lapse_in_arrears(session, outcome.lapse, config)
    return runs


def run_one(session: Session, check: Check, *, trigger: str, settings: Settings, config: dict,
            scope: Scope | None, import_batch_id: int | None, now: datetime) -> Outcome:
    started = time.perf_counter()
    with unit_of_work(session):
        _one_at_a_time(session, check)
        ctx = Context(session, now, settings, scope, current_bpjs_file(session), config)
        run = CheckRun(check=check.name, trigger=trigger, full=scope is None, import_batch_id=import_batch_id,
                       started_at=now, status="done")
        session.add(run)
        session.flush()
        found: list[Finding] = []
        if check.name in NEEDS_BPJS_FILE and ctx.bpjs is None:
            run.status = "skipped"
        else:
            found = FINDERS[check.name](ctx)
            _reconcile(session, check, found, scope, run, now)
        run.seconds = round(time.perf_counter() - started, 3)
    log.info("check %s (%s, %s): %d found, %d opened, %d reopened, %d auto-resolved in %.2f s", check.name,
             trigger, "full" if scope is None else "scoped", run.found, run.opened, run.reopened, run.auto_resolved,
             run.seconds)
    return Outcome(run, found if check.name == "arrears" else [])


def _one_at_a_time(session: Session, check: Check) -> None:
    """Runs of one check take turns (an event's run and the nightly one must not open the same subject twice):
    a transaction-scoped advisory lock on PostgreSQL; on SQLite the writer lock serialises them already."""
    if session.get_bind().dialect.name == "postgresql":
        key = sum(ord(c) * 31 ** i for i, c in enumerate(check.name)) % (2 ** 31)
        session.execute(sa.text("SELECT pg_advisory_xact_lock(17, :key)"), {"key": key})


def _known(session: Session, check: Check, scope: Scope | None) -> dict[tuple[str, str], Discrepancy]:
    query = sa.select(Discrepancy).where(Discrepancy.check == check.name)
    if scope is not None:
        query = query.where(sa.or_(
            Discrepancy.participant_id.in_(sorted(scope.participant_ids)),
            Discrepancy.claim_id.in_(sorted(scope.claim_ids)),
            sa.and_(Discrepancy.subject_type == "nik", Discrepancy.subject_key.in_(sorted(scope.niks)))))
    return {(d.subject_type, d.subject_key): d for d in session.scalars(query)}


def _reconcile(session: Session, check: Check, found: list[Finding], scope: Scope | None, run: CheckRun,
               now: datetime) -> None:
    known = _known(session, check, scope)
    found = list({f.key: f for f in found}.values())
    run.found = len(found)
    fresh = [f for f in found if f.key not in known]
    run.opened = len(open_many(session, check, fresh, actor=SYSTEM, run_id=run.id, now=now))
    for finding in found:
        case = known.get(finding.key)
        if case is None:
            continue
        changed = case.evidence_hash != finding.evidence_hash
        if case.state is DiscrepancyState.resolved or (case.state is DiscrepancyState.dismissed and changed):
            reason = "found again" if case.state is DiscrepancyState.resolved else "the evidence changed"
            _fire(session, case, "reopen", {"reason": f"{reason} by check run {run.id}", "run": run.id}, now)
            run.reopened += 1
        elif case.state is DiscrepancyState.dismissed:
            continue  # dismissed, and nothing new: it stays dismissed
        elif changed:
            run.updated += 1
        _refresh(session, case, finding, now)
    gone = [case for key, case in known.items() if case.state in OPEN_STATES and key not in {f.key for f in found}]
    for case in gone:
        _fire(session, case, "resolve", {"note": "resolved by data: the check no longer finds it", "run": run.id},
              now)
    run.auto_resolved = len(gone)


def _fire(session: Session, case: Discrepancy, trigger: str, data: dict, now: datetime) -> None:
    locked = cases.lock_case(session, Discrepancy, case.id)
    cases.transition_case(session, locked, actor=SYSTEM, trigger=trigger, expected_version=locked.version,
                          data=data, triggers=TRIGGERS, now=now, reason=data.get("note") or data.get("reason"))


def _refresh(session: Session, case: Discrepancy, finding: Finding, now: datetime) -> None:
    """The latest evidence on a discrepancy found again (its sources move with each file even when its values
    do not); written only when it differs, so a re-run over the same data writes nothing."""
    evidence = plain_json(finding.evidence)
    if case.evidence != evidence:
        session.execute(sa.update(Discrepancy).where(Discrepancy.id == case.id).values(
            evidence=evidence, evidence_hash=finding.evidence_hash, evidence_at=now)
            .execution_options(synchronize_session=False))


def check_named(name: str) -> Check:
    return BY_NAME[name]
