"""Enrolments opened by a DTSEN import start their verification clock like one opened over the API."""

import io

import sqlalchemy as sa

from berjasa.db import db
from berjasa.enrolment import imports
from berjasa.sla.models import ClockRow
from tests.enrolment.test_imports import BASO, HEADER, IMPORTER, SITTI
from tests.sla.conftest import outbox_types, rows, tick, wita

ELSEWHERE = BASO.replace("7371091708900001", "7371091708900002").replace("Panakkukang", "Tallo")


def run_import(app, content: bytes):
    with app.app_context(), db.new_session() as session:
        batch = imports.start_import(session=session, requested_by="dtsen-import", filename="f.csv",
                                     file=io.BytesIO(content), background=False)
        return imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)


def clocks(app):
    return rows(app, sa.select(ClockRow.case_type, ClockRow.policy, ClockRow.run, ClockRow.state, ClockRow.party,
                               ClockRow.kecamatan_code, ClockRow.due_at, ClockRow.warn_at)
                .order_by(ClockRow.case_id))


def test_imported_enrolments_start_their_verification_clocks(any_app, travel):
    travel(wita(2026, 11, 23, 9, 0))  # a Monday
    content = (HEADER + SITTI + ELSEWHERE).encode()
    batch = run_import(any_app, content)
    assert batch.created == 2
    # 5 working days from Monday 09:00: 15 h, Tue to Fri, 9 h of the next Monday; warned a working day before
    expected = [("enrolment", "enrolment.verification", 1, "running", "disnaker", code,
                 wita(2026, 11, 30, 9, 0), wita(2026, 11, 27, 9, 0)) for code in ("09", "07")]
    assert [(*c[:6], c[6].astimezone(wita(2026, 1, 1).tzinfo), c[7].astimezone(wita(2026, 1, 1).tzinfo))
            for c in clocks(any_app)] == expected

    run_import(any_app, content)  # the same file again: no new enrolment, no new clock
    assert len(clocks(any_app)) == 2

    tick(any_app, wita(2026, 11, 27, 9, 1))
    assert outbox_types(any_app) == ["sla.warning", "sla.warning"]
    tick(any_app, wita(2026, 11, 30, 9, 1))
    assert outbox_types(any_app) == ["sla.warning", "sla.warning", "sla.breached", "sla.breached"]
    assert [c[3] for c in clocks(any_app)] == ["breached", "breached"]
    assert len(rows(any_app, sa.text("SELECT id FROM sla_breaches"))) == 2
