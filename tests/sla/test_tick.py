"""The tick: each warning and breach recorded once however many ticks run, nothing lost when one dies."""

import threading

import pytest
import sqlalchemy as sa

from berjasa.db import db
from berjasa.sla import service
from berjasa.sla.models import Breach
from tests.sla.conftest import outbox_types, rows, tick, wita


def report_many(api, travel, count):
    travel(wita(2026, 1, 5, 9, 0))
    for serial in range(count):
        api.active(100 + serial)
    travel(wita(2026, 7, 6, 12, 0))
    return [api.report(100 + serial, accident_at="2026-07-06T09:00:00+08:00") for serial in range(count)]


@pytest.mark.postgres
def test_two_ticks_at_once_record_each_breach_once(pg_app, travel):
    from berjasa import demo
    from tests.claims.helpers import ClaimsApi

    with pg_app.app_context(), db.new_session() as session:
        tokens = {u: t for _, u, t in demo.seed(session=session, secret_key=pg_app.config["SECRET_KEY"])}
    claims = report_many(ClaimsApi(pg_app.test_client(), tokens), travel, 12)
    results, errors = [], []

    def run():
        try:
            with pg_app.app_context(), db.new_session() as session:
                results.append(service.tick(session=session, now=wita(2026, 8, 6), batch=5))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.breached for r in results) == 12  # shared between the ticks, none twice
    assert sorted(c for (c,) in rows(pg_app, sa.select(Breach.case_id))) == sorted(c["id"] for c in claims)
    assert outbox_types(pg_app) == ["sla.breached"] * 12


def test_a_tick_that_dies_mid_batch_loses_nothing(api, travel, any_app, monkeypatch):
    report_many(api, travel, 6)
    real = service.write_moves
    calls = []

    def dying(session, moves, policies, now):
        calls.append(len(moves))
        if len(calls) == 2:
            raise ConnectionError("the worker died")
        return real(session, moves, policies, now)

    monkeypatch.setattr(service, "write_moves", dying)
    with pytest.raises(ConnectionError):
        service_tick(any_app, batch=4)
    assert len(rows(any_app, sa.select(Breach.id))) == 4  # the first batch committed, the second rolled back
    monkeypatch.setattr(service, "write_moves", real)
    assert tick(any_app, wita(2026, 8, 6)).breached == 2
    assert len(rows(any_app, sa.select(Breach.id))) == 6 and outbox_types(any_app) == ["sla.breached"] * 6


def service_tick(app, batch):
    with app.app_context(), db.new_session() as session:
        return service.tick(session=session, now=wita(2026, 8, 6), batch=batch)


def test_the_tick_reads_only_what_is_due(api, travel, any_app):
    report_many(api, travel, 3)
    statements = []
    with any_app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        nothing = tick(any_app, wita(2026, 7, 10))
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert nothing.clocks == 0
    assert [s.split()[0] for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))] == ["SELECT"]
    assert "next_at <=" in statements[-1] or any("next_at <=" in s for s in statements)


@pytest.mark.postgres
def test_a_tick_skips_the_clocks_of_a_case_in_the_middle_of_a_transition(pg_app, travel):
    """The transition holds its clocks (FOR UPDATE) from its read to its commit: the tick skips them, and the
    transition records the breach itself when it stops a clock after its due time; one breach, met late."""
    from berjasa import demo
    from berjasa.auth.service import authenticate
    from berjasa.claims import service as claims
    from tests.claims.helpers import ClaimsApi

    with pg_app.app_context(), db.new_session() as session:
        tokens = {u: t for _, u, t in demo.seed(session=session, secret_key=pg_app.config["SECRET_KEY"])}
    claim = report_many(ClaimsApi(pg_app.test_client(), tokens), travel, 1)[0]
    travel(wita(2026, 8, 6))  # the decision fell due on 5 Aug; no tick has run
    locked, go_on, results = threading.Event(), threading.Event(), []

    def transition():
        from berjasa.sla import clocks

        real = clocks.of_case

        def held(*args, **kwargs):
            found = real(*args, **kwargs)
            locked.set()
            go_on.wait(10)
            return found

        clocks.of_case = held
        try:
            with pg_app.app_context(), db.new_session() as session:
                with session.begin():
                    actor = authenticate(session=session, token=tokens["demo-bpjs"])
                claims.transition(session=session, actor=actor, claim_id=claim["id"], trigger="verify",
                                  expected_version=1)
        finally:
            clocks.of_case = real

    worker = threading.Thread(target=transition)
    worker.start()
    assert locked.wait(10)
    results.append(tick(pg_app, wita(2026, 8, 6)).breached)  # skips the held clock
    go_on.set()
    worker.join(10)
    results.append(tick(pg_app, wita(2026, 8, 6)).breached)
    assert results == [0, 0]
    found = rows(pg_app, sa.select(Breach.policy, Breach.met_at, Breach.lateness))
    assert found == [("claim.bpjs_decision", wita(2026, 8, 6), 12 * 3600.0)]  # due 5 Aug 12:00, met 6 Aug 00:00
    assert outbox_types(pg_app) == ["sla.breached"]
