"""The checks of claims: care without BPJS's decision, claims without cover, care costs, duplicates."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from berjasa.checks.findings import Context, Finding, side
from berjasa.claims.models import Claim as C
from berjasa.claims.scope import DUPLICATE_WINDOW
from berjasa.enrolment.models import CoveragePeriod as CP
from berjasa.events.models import CaseEvent
from berjasa.parties.service import party_codes
from berjasa.time import WITA, wita_iso
from workflows.claim import OPEN_STATES, ClaimState


def _claims(query: sa.Select, ctx: Context) -> sa.Select:
    """`query` narrowed to the run's scope: its claims, and the claims of its participants and NIKs."""
    if ctx.scope is None:
        return query
    scope = ctx.scope
    return query.where(sa.or_(C.id.in_(sorted(scope.claim_ids)), C.participant_id.in_(sorted(scope.participant_ids)),
                              C.nik.in_(sorted(scope.niks))))


def _on_claim(row: Any, evidence: dict[str, Any], hospital_id: int | None) -> Finding:
    return Finding("claim", str(row.id), evidence, participant_id=row.participant_id, claim_id=row.id,
                   kecamatan=row.kecamatan_code, hospital_id=hospital_id)


def admitted_not_verified(ctx: Context) -> list[Finding]:
    """In hospital care for more than BERJASA_CHECK_ADMITTED_DAYS days since the admission, and BPJS has not
    decided (not verified; a rejection ends the care)."""
    query = (sa.select(C.id, C.participant_id, C.kecamatan_code, C.hospital_id, C.care)
             .where(C.state == ClaimState.hospital_care, C.verified.is_(False)))
    limit = timedelta(days=ctx.settings.admitted_days)
    found = []
    for row in ctx.session.execute(_claims(query, ctx)):
        admitted = admitted_at(row.care)
        if admitted is None or ctx.now - admitted <= limit:
            continue
        days = (ctx.now - admitted).days
        found.append(_on_claim(row, {
            "hospital": side(f"claim {row.id}: admission", admitted_at=wita_iso(admitted), state="hospital_care"),
            "bpjs": side(f"claim {row.id}: BPJS decision", verified=False),
            "rule": side("BERJASA_CHECK_ADMITTED_DAYS", days=ctx.settings.admitted_days, over=days > 0)},
            row.hospital_id))
    return found


def admitted_at(care: dict[str, Any] | None) -> datetime | None:
    """When the claim's patient was admitted (the `admit` data kept in the claim's care record)."""
    value = ((care or {}).get("admit") or {}).get("admitted_at")
    return datetime.fromisoformat(value) if value else None


def _wita_day(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("Asia/Makassar", column), sa.Date)
    return sa.func.date(column, "+8 hours")


def claim_without_cover(ctx: Context) -> list[Finding]:
    """Verified claims still open whose participant had no coverage period on the accident date (WITA)."""
    day = _wita_day(C.accident_at, ctx.session.get_bind().dialect.name)
    covered = sa.exists().where(CP.participant_id == C.participant_id, CP.start_date <= day,
                                sa.or_(CP.end_date.is_(None), CP.end_date >= day))
    query = (sa.select(C.id, C.participant_id, C.kecamatan_code, C.hospital_id, C.accident_at)
             .where(C.verified.is_(True), C.participant_id.is_not(None),
                    C.state.in_([s.value for s in OPEN_STATES]), ~covered))
    return [_on_claim(row, {
        "claim": side(f"claim {row.id}", accident_day=row.accident_at.astimezone(WITA).date().isoformat(),
                      verified=True),
        "city": side(f"coverage periods of participant {row.participant_id}", covered=False)}, row.hospital_id)
        for row in ctx.session.execute(_claims(query, ctx))]


def care_cost_mismatch(ctx: Context) -> list[Finding]:
    """Paid claims whose medical cost reported by the hospital differs from the medical line BPJS paid."""
    query = (sa.select(C.id, C.participant_id, C.kecamatan_code, C.hospital_id, C.care, C.version)
             .where(C.state.in_([ClaimState.paid, ClaimState.closed])))
    rows = [row for row in ctx.session.execute(_claims(query, ctx))
            if ((row.care or {}).get("treatment") or {}).get("medical_cost") is not None]
    paid = _medical_paid(ctx, [row.id for row in rows])
    found = []
    for row in rows:
        reported = row.care["treatment"]["medical_cost"]
        if row.id in paid and paid[row.id] != reported:
            found.append(_on_claim(row, {
                "hospital": side(f"claim {row.id}: complete_treatment", medical_cost=reported),
                "bpjs": side(f"claim {row.id}: pay", medical_paid=paid[row.id])}, row.hospital_id))
    return found


def _medical_paid(ctx: Context, claim_ids: list[int]) -> dict[int, int]:
    if not claim_ids:
        return {}
    paid: dict[int, int] = {}
    for case_id, data in ctx.session.execute(
            sa.select(CaseEvent.case_id, CaseEvent.data).where(CaseEvent.case_type == "claim",
                                                               CaseEvent.case_id.in_(claim_ids),
                                                               CaseEvent.trigger == "pay")
            .order_by(CaseEvent.case_id, CaseEvent.seq)):
        paid[case_id] = sum(p["amount"] for p in data.get("payments", []) if p.get("line") == "medical")
    return paid


def duplicate_open_claims(ctx: Context) -> list[Finding]:
    """One NIK with open claims at two hospitals for accidents within a day of each other. Hospitals are not told
    (a hospital must not learn of another's claim): the finding names no hospital of its own."""
    open_ = [s.value for s in OPEN_STATES]
    repeated = sa.select(C.nik).where(C.state.in_(open_), C.hospital_id.is_not(None)).group_by(C.nik).having(
        sa.func.count() > 1)
    query = (sa.select(C.id, C.nik, C.participant_id, C.kecamatan_code, C.hospital_id, C.accident_at)
             .where(C.state.in_(open_), C.hospital_id.is_not(None), C.nik.in_(repeated)).order_by(C.nik, C.id))
    if ctx.scope is not None:
        niks = sa.select(C.nik).where(sa.or_(C.id.in_(sorted(ctx.scope.claim_ids)),
                                             C.participant_id.in_(sorted(ctx.scope.participant_ids))))
        query = query.where(sa.or_(C.nik.in_(niks), C.nik.in_(sorted(ctx.scope.niks))))
    by_nik: dict[str, list[Any]] = defaultdict(list)
    for row in ctx.session.execute(query):
        by_nik[row.nik].append(row)
    codes = party_codes(ctx.session, {row.hospital_id for rows in by_nik.values() for row in rows})
    found = []
    for nik, rows in by_nik.items():
        pairs = {(a.id, b.id) for a in rows for b in rows if a.id < b.id and a.hospital_id != b.hospital_id
                 and abs(a.accident_at - b.accident_at) <= DUPLICATE_WINDOW}
        claims = sorted({i for pair in pairs for i in pair})
        if not claims:
            continue
        shown = [row for row in rows if row.id in claims]
        found.append(Finding("nik", nik, {"claims": side("open claims of the NIK", claims=[
            {"claim": row.id, "hospital": codes.get(row.hospital_id), "accident_at": wita_iso(row.accident_at)}
            for row in shown])}, participant_id=shown[0].participant_id, claim_id=shown[0].id,
            kecamatan=shown[0].kecamatan_code))
    return found
