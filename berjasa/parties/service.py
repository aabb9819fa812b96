"""Parties and PLKK agreements."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from berjasa.errors import Conflict, NotFound
from berjasa.parties.models import Party, PartyKind, PlkkAgreement
from berjasa.transaction import unit_of_work


def get_party(*, session: Session, party_id: int) -> Party:
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound("No such party")
    return party


#: Party codes by id, per engine. A party's code never changes once it exists, so responses can
#: name parties without a query each time.
_codes: weakref.WeakKeyDictionary[Any, dict[int, str]] = weakref.WeakKeyDictionary()


def party_codes(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """The codes of these parties (unknown ids are left out), from memory once seen."""
    known = _codes.setdefault(session.get_bind(), {})
    missing = {i for i in ids if i is not None and i not in known}
    if missing:
        known.update(session.execute(sa.select(Party.id, Party.code).where(Party.id.in_(missing))).tuples().all())
    return known


def list_hospitals(*, session: Session) -> list[Party]:
    query = (
        sa.select(Party).where(Party.kind == PartyKind.HOSPITAL)
        .options(selectinload(Party.agreements)).order_by(Party.code)
    )
    return list(session.scalars(query))


def get_hospital(*, session: Session, code: str) -> Party:
    hospital = session.scalar(
        sa.select(Party).where(Party.kind == PartyKind.HOSPITAL, Party.code == code)
        .options(selectinload(Party.agreements))
    )
    if hospital is None:
        raise NotFound(f"No hospital {code!r}")
    return hospital


def create_party(
    *, session: Session, kind: PartyKind, code: str, name: str, agreements: Iterable[Mapping[str, Any]] = ()
) -> Party:
    """Create a party; a hospital may come with its PLKK agreement periods."""
    with unit_of_work(session):
        if session.scalar(sa.select(Party.id).where(Party.code == code)) is not None:
            raise Conflict(f"A party with code {code!r} exists already", errors={"code": ["already in use"]})
        party = Party(kind=kind, code=code, name=name)
        session.add(party)
        for period in agreements:
            _add_agreement(party, period)
    return party


def add_agreement(*, session: Session, code: str, period: Mapping[str, Any]) -> Party:
    """Record another PLKK agreement period for a hospital; periods may not overlap."""
    with unit_of_work(session):
        hospital = get_hospital(session=session, code=code)
        _add_agreement(hospital, period)
    return hospital


def _add_agreement(hospital: Party, period: Mapping[str, Any]) -> None:
    new = PlkkAgreement(valid_from=period["valid_from"], valid_to=period.get("valid_to"),
                        reference=period.get("reference"))
    for old in hospital.agreements:
        if _overlap(old, new):
            raise Conflict(
                f"The period overlaps the agreement from {old.valid_from.isoformat()}",
                errors={"valid_from": ["overlaps an existing PLKK agreement"]},
            )
    hospital.agreements.append(new)


def _overlap(a: PlkkAgreement, b: PlkkAgreement) -> bool:
    a_ends_before_b = a.valid_to is not None and a.valid_to < b.valid_from
    b_ends_before_a = b.valid_to is not None and b.valid_to < a.valid_from
    return not (a_ends_before_b or b_ends_before_a)
