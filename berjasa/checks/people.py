"""The checks of people against the BPJS membership file: set-based joins on the NIK over whole tables, so the
database does the work; only what differs (about 1 in 100 rows) comes back to Python."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, utils

from berjasa.bpjs.models import BpjsMembership as M
from berjasa.checks.findings import Context, Finding, iso, side
from berjasa.enrolment.models import Enrolment as E
from berjasa.registry.models import Participant as P

#: Terminations after which the city must no longer pay (check paid_for_deceased_or_moved).
GONE = ("deceased", "moved")


def _membership(ctx: Context) -> sa.ColumnElement[bool]:
    return sa.and_(M.batch_id == ctx.bpjs.batch_id, M.nik == P.nik)


def _people(query: sa.Select, ctx: Context) -> sa.Select:
    """`query` narrowed to the run's scope (its participants, or their NIKs)."""
    if ctx.scope is None:
        return query
    return query.where(sa.or_(P.id.in_(sorted(ctx.scope.participant_ids)), P.nik.in_(sorted(ctx.scope.niks))))


def _enrolment_side(row: Any, **values: Any) -> dict[str, Any]:
    return side(f"enrolment {row.enrolment_id} (participant {row.participant_id})", **values)


def _on_enrolment(row: Any, evidence: dict[str, Any], **extra: Any) -> Finding:
    return Finding("enrolment", str(row.enrolment_id), evidence, participant_id=row.participant_id,
                   kecamatan=row.kecamatan_code, extra=extra)


_ACTIVE = (E.id.label("enrolment_id"), P.id.label("participant_id"), P.kecamatan_code)


def enrolment_active_not_at_bpjs(ctx: Context) -> list[Finding]:
    query = (sa.select(*_ACTIVE, P.kpj_number, M.line, M.status, M.arrears_months)
             .join(P, P.id == E.participant_id).outerjoin(M, _membership(ctx))
             .where(E.state == "active", sa.or_(M.nik.is_(None), sa.and_(
                 M.status != "active", M.arrears_months < ctx.settings.arrears_months))))
    return [_on_enrolment(row, {
        "city": _enrolment_side(row, state="active", kpj_number=row.kpj_number),
        "bpjs": side(ctx.bpjs.source(row.line), status=row.status or "missing")})
        for row in ctx.session.execute(_people(query, ctx))]


def arrears(ctx: Context) -> list[Finding]:
    query = (sa.select(*_ACTIVE, M.line, M.status, M.arrears_months, M.paid_until)
             .join(P, P.id == E.participant_id).join(M, _membership(ctx))
             .where(E.state == "active", M.arrears_months >= ctx.settings.arrears_months))
    return [_on_enrolment(row, {
        "city": _enrolment_side(row, state="active"),
        "bpjs": side(ctx.bpjs.source(row.line), status=row.status, arrears_months=row.arrears_months,
                     paid_until=iso(row.paid_until))}, paid_until=row.paid_until)
        for row in ctx.session.execute(_people(query, ctx))]


def registered_elsewhere(ctx: Context) -> list[Finding]:
    query = (sa.select(*_ACTIVE, M.line, M.payer, M.kpj_number)
             .join(P, P.id == E.participant_id).join(M, _membership(ctx))
             .where(E.state == "active", M.status == "active", M.payer != "city"))
    return [_on_enrolment(row, {
        "city": _enrolment_side(row, state="active", payer="city"),
        "bpjs": side(ctx.bpjs.source(row.line), status="active", payer=row.payer, kpj_number=row.kpj_number)})
        for row in ctx.session.execute(_people(query, ctx))]


def kpj_mismatch(ctx: Context) -> list[Finding]:
    query = (sa.select(P.id, P.kecamatan_code, P.kpj_number, M.kpj_number.label("bpjs_kpj"), M.line)
             .join(M, _membership(ctx)).where(P.kpj_number.is_not(None), P.kpj_number != M.kpj_number))
    return [Finding("participant", str(row.id), {
        "city": side(f"participant {row.id}", kpj_number=row.kpj_number),
        "bpjs": side(ctx.bpjs.source(row.line), kpj_number=row.bpjs_kpj)}, participant_id=row.id,
        kecamatan=row.kecamatan_code) for row in ctx.session.execute(_people(query, ctx))]


def identity_mismatch(ctx: Context) -> list[Finding]:
    """Birth dates that differ, and names that differ beyond spelling: rapidfuzz's token-sort ratio of the two names
    (lower case, punctuation removed) below BERJASA_CHECK_NAME_SCORE (85 by default: "Sitti Rahmawati" and "Siti
    Rahmawati" score 97, "Nurul Hamzah" and "Nurul Hamza" 96, "Muh. Akbar" and "Muhammad Akbar" 78, "Andi Rahman"
    and "Baso Tangko" 36)."""
    query = (sa.select(P.id, P.kecamatan_code, P.name, P.birth_date, M.name.label("bpjs_name"),
                       M.birth_date.label("bpjs_birth_date"), M.line)
             .join(M, _membership(ctx))
             .where(sa.or_(P.birth_date != M.birth_date, sa.func.lower(P.name) != sa.func.lower(M.name))))
    found = []
    for row in ctx.session.execute(_people(query, ctx)):
        score = name_score(row.name, row.bpjs_name)
        if row.birth_date == row.bpjs_birth_date and score >= ctx.settings.name_score:
            continue
        found.append(Finding("participant", str(row.id), {
            "city": side(f"participant {row.id}", name=row.name, birth_date=iso(row.birth_date)),
            "bpjs": side(ctx.bpjs.source(row.line), name=row.bpjs_name, birth_date=iso(row.bpjs_birth_date)),
            "name_score": side("rapidfuzz token_sort_ratio", score=score)},
            participant_id=row.id, kecamatan=row.kecamatan_code))
    return found


def name_score(ours: str, theirs: str) -> int:
    """How alike two spellings of a name are, 0-100 (rapidfuzz token_sort_ratio on lower-cased, unpunctuated names)."""
    return round(fuzz.token_sort_ratio(ours, theirs, processor=utils.default_process))


def _active_at_bpjs_not_in_city(ctx: Context) -> list[tuple[Any, Any]]:
    """BPJS rows active and paid by the city whose NIK has no active enrolment in the city, each with the person's
    newest enrolment (None if not registered or never enrolled)."""
    active = sa.exists().where(E.participant_id == P.id, E.state == "active")
    query = (sa.select(M.nik, M.line, M.kpj_number, P.id.label("participant_id"), P.kecamatan_code)
             .select_from(M).outerjoin(P, P.nik == M.nik)
             .where(M.batch_id == ctx.bpjs.batch_id, M.status == "active", M.payer == "city",
                    sa.or_(P.id.is_(None), ~active)))
    if ctx.scope is not None:
        query = query.where(sa.or_(P.id.in_(sorted(ctx.scope.participant_ids)), M.nik.in_(sorted(ctx.scope.niks))))
    rows = ctx.session.execute(query).all()
    newest = _newest_enrolments(ctx, [r.participant_id for r in rows if r.participant_id is not None])
    return [(row, newest.get(row.participant_id)) for row in rows]


def _newest_enrolments(ctx: Context, participant_ids: Iterable[int]) -> dict[int, Any]:
    ids = sorted(set(participant_ids))
    if not ids:
        return {}
    newest = sa.select(sa.func.max(E.id)).where(E.participant_id.in_(ids)).group_by(E.participant_id)
    return {row.participant_id: row for row in ctx.session.execute(
        sa.select(E.id, E.participant_id, E.state, E.end_reason).where(E.id.in_(newest)))}


def active_at_bpjs_not_in_city(ctx: Context) -> list[Finding]:
    found = []
    for row, enrolment in _active_at_bpjs_not_in_city(ctx):
        if enrolment is not None and enrolment.state == "terminated" and enrolment.end_reason in GONE:
            continue  # paid_for_deceased_or_moved says it
        city = (side("registry: the NIK is not registered", registered=False) if row.participant_id is None else
                side(f"participant {row.participant_id}", registered=True,
                     enrolment=enrolment.id if enrolment else None, state=enrolment.state.value if enrolment else None))
        found.append(Finding("nik", row.nik, {"city": city, "bpjs": side(
            ctx.bpjs.source(row.line), status="active", payer="city", kpj_number=row.kpj_number)},
            participant_id=row.participant_id, kecamatan=row.kecamatan_code))
    return found


def paid_for_deceased_or_moved(ctx: Context) -> list[Finding]:
    found = []
    for row, enrolment in _active_at_bpjs_not_in_city(ctx):
        if enrolment is None or enrolment.state != "terminated" or enrolment.end_reason not in GONE:
            continue
        found.append(Finding("enrolment", str(enrolment.id), {
            "city": side(f"enrolment {enrolment.id} (participant {row.participant_id})", state="terminated",
                         reason=enrolment.end_reason),
            "bpjs": side(ctx.bpjs.source(row.line), status="active", payer="city", kpj_number=row.kpj_number)},
            participant_id=row.participant_id, kecamatan=row.kecamatan_code))
    return found
