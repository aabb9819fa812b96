"""Demo data for the cross-checks: the BPJS membership file BPJS would send for the city's enrolments, with a chosen
share of realistic discrepancies (`berjasa demo bpjs-file`), and enrolments taken to `active` through the write
path (`berjasa demo activate`)."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from berjasa.bpjs.file import COLUMNS
from berjasa.enrolment.models import CoveragePeriod, Enrolment
from berjasa.registry.models import Participant
from berjasa.time import today_wita

#: What a discrepancy injected into a row of an enrolment active in the city does, in turn (and which check, if
#: any, should find it): missing (enrolment_active_not_at_bpjs), non_active (the same), kpj (kpj_mismatch), name
#: (identity_mismatch: another person's name), birth_date (identity_mismatch), spelling (none: a spelling variant
#: the fuzzy match tolerates), arrears (arrears), employer (registered_elsewhere), unknown_nik (active_at_bpjs_not_
#: in_city: an extra row for a NIK the city does not know).
ACTIVE_KINDS = ("missing", "non_active", "kpj", "name", "birth_date", "spelling", "arrears", "employer", "unknown_nik")
#: ... and into a row of an enrolment lapsed or terminated in the city: BPJS still has it active and paid by the
#: city (active_at_bpjs_not_in_city, or paid_for_deceased_or_moved after a termination as deceased or moved).
ENDED_KINDS = ("still_active",)
#: The kinds that the checks should find (spelling is the one they should not).
FOUND = {"missing": "enrolment_active_not_at_bpjs", "non_active": "enrolment_active_not_at_bpjs",
         "kpj": "kpj_mismatch", "name": "identity_mismatch", "birth_date": "identity_mismatch", "arrears": "arrears",
         "employer": "registered_elsewhere", "unknown_nik": "active_at_bpjs_not_in_city"}
_OTHER_NAMES = ("Baso Tangko", "Hasnah Jafar", "Irwan Sangkala", "Rosmini Halim", "Jusman Rauf", "Kartini Ramli")


def _rows(session: Session) -> Iterator[Any]:
    """Each person with an enrolment BPJS has heard of (active, lapsed, terminated): the newest such one, with its
    first coverage start, in participant order, streamed."""
    query = (sa.select(Participant.id, Participant.nik, Participant.name, Participant.birth_date,
                       Participant.kpj_number, Enrolment.state, Enrolment.jht, CoveragePeriod.start_date)
             .join(Enrolment, Enrolment.participant_id == Participant.id)
             .outerjoin(CoveragePeriod, CoveragePeriod.enrolment_id == Enrolment.id)
             .where(Enrolment.state.in_(["active", "lapsed", "terminated"]))
             .order_by(Participant.id, Enrolment.id.desc(), CoveragePeriod.start_date)
             .execution_options(yield_per=5000))
    last = None
    with session.begin():
        for row in session.execute(query):
            if row.id != last:
                last = row.id
                yield row


def generate(session: Session, *, discrepancy_share: float = 0.01, seed: int | None = None,
             injected: dict[str, int] | None = None) -> Iterator[str]:
    """The file's lines (header first). `injected` is filled with how many discrepancies of each kind it has."""
    if not 0 <= discrepancy_share <= 1:
        raise ValueError("the discrepancy share is between 0 and 1")
    with session.begin():
        total = session.scalar(sa.select(sa.func.count(sa.distinct(Enrolment.participant_id)))
                               .where(Enrolment.state.in_(["active", "lapsed", "terminated"]))) or 0
    rng = random.Random(seed)
    counts = injected if injected is not None else {}
    out, writer = _writer()
    yield _line(out, writer, COLUMNS)
    left, spoil = round(total * discrepancy_share), 0
    month = today_wita().replace(day=1)
    for remaining, row in zip(range(total, 0, -1), _rows(session), strict=False):
        values = _clean(row, month)
        if left and rng.randrange(remaining) < left:
            left -= 1
            kinds = ACTIVE_KINDS if row.state.value == "active" else ENDED_KINDS
            kind = kinds[spoil % len(kinds)]
            spoil += 1 if kinds is ACTIVE_KINDS else 0
            counts[kind] = counts.get(kind, 0) + 1
            for line in _spoiled(values, kind, rng, spoil):
                yield _line(out, writer, line)
            continue
        yield _line(out, writer, [values[c] for c in COLUMNS])


def _writer() -> tuple[io.StringIO, Any]:
    out = io.StringIO()
    return out, csv.writer(out, lineterminator="\n")


def _line(out: io.StringIO, writer: Any, fields: Any) -> str:
    out.seek(0)
    out.truncate()
    writer.writerow(fields)
    return out.getvalue()


def _clean(row: Any, month: date) -> dict[str, Any]:
    active = row.state.value == "active"
    return {"nik": row.nik, "kpj_number": row.kpj_number or f"29{row.id:09d}", "name": row.name,
            "birth_date": row.birth_date.isoformat(), "programmes": "jkk+jkm+jht" if row.jht else "jkk+jkm",
            "status": "active" if active else "non_active",
            "coverage_start": row.start_date.isoformat() if row.start_date else "",
            "paid_until": f"{month:%Y-%m}" if active else "", "arrears_months": 0 if active else 3, "payer": "city"}


def _spoiled(values: dict[str, Any], kind: str, rng: random.Random, serial: int) -> list[list[Any]]:
    """The row (or rows, or none) that carry this kind of discrepancy."""
    if kind == "missing":
        return []
    changed = {**values, **_CHANGES[kind](values, rng)}
    rows = [[changed[c] for c in COLUMNS]]
    if kind == "unknown_nik":  # the row stays as it is; BPJS also lists someone the city never registered
        stranger = {**values, "nik": f"737116010190{serial % 10000:04d}", "kpj_number": f"27{serial:09d}",
                    "name": rng.choice(_OTHER_NAMES)}
        rows.append([stranger[c] for c in COLUMNS])
    return rows


_CHANGES = {
    "non_active": lambda v, rng: {"status": "non_active", "arrears_months": 0},
    "kpj": lambda v, rng: {"kpj_number": f"28{int(v['kpj_number'][-9:]) + 1:09d}"},
    "name": lambda v, rng: {"name": rng.choice([n for n in _OTHER_NAMES if n != v["name"]])},
    "birth_date": lambda v, rng: {"birth_date": (date.fromisoformat(v["birth_date"])
                                                 + timedelta(days=rng.choice((-366, 31)))).isoformat()},
    "spelling": lambda v, rng: {"name": _misspelt(v["name"], rng)},
    "arrears": lambda v, rng: {"status": "non_active", "arrears_months": rng.choice((3, 4, 6)), "paid_until": ""},
    "employer": lambda v, rng: {"payer": "employer"},
    "unknown_nik": lambda v, rng: {},
    "still_active": lambda v, rng: {"status": "active", "arrears_months": 0, "paid_until": f"{today_wita():%Y-%m}"},
}


def _misspelt(name: str, rng: random.Random) -> str:
    """One letter doubled in the last word ("Rahman" -> "Rahmman"): how the same name is often typed again."""
    words = name.split()
    last = words[-1]
    at = rng.randrange(1, len(last)) if len(last) > 1 else 0
    words[-1] = last[:at] + last[at] + last[at:]
    return " ".join(words)


def activate(session: Session, *, count: int, config: Mapping[str, Any]) -> int:
    """Up to `count` submitted enrolments verified and sent to BPJS by demo-caseworker and activated by demo-bpjs
    (KPJ numbers made up from the participant id, cover from the first of this month); the refused are skipped."""
    from berjasa.auth.service import actor_for
    from berjasa.enrolment.service import transition
    from berjasa.errors import BerjasaError

    caseworker = actor_for(session=session, username="demo-caseworker")
    bpjs = actor_for(session=session, username="demo-bpjs")
    if caseworker.user_id is None or bpjs.user_id is None:
        raise ValueError("no demo users: run `berjasa demo seed` first")
    with session.begin():
        todo = session.execute(sa.select(Enrolment.id, Enrolment.participant_id).where(
            Enrolment.state == "submitted").order_by(Enrolment.id).limit(count)).all()
    start = today_wita().replace(day=1).isoformat()
    done = 0
    for enrolment_id, participant_id in todo:
        try:
            for actor, trigger, data in ((caseworker, "verify", {}), (caseworker, "send_to_bpjs", {}), (
                    bpjs, "activate", {"kpj_number": f"26{participant_id:09d}", "coverage_start": start,
                                       "programmes": ["jkk", "jkm"]})):
                with session.begin():
                    version = session.scalar(sa.select(Enrolment.version).where(Enrolment.id == enrolment_id))
                transition(session=session, actor=actor, enrolment_id=enrolment_id, trigger=trigger,
                           expected_version=version, data=data, config=config)
            done += 1
        except BerjasaError:
            continue
    return done
