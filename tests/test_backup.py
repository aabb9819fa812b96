"""Backups that restore: `berjasa backup` of a populated PostgreSQL database restored with pg_restore into a fresh
one (every row of every table back, the audit log intact, its append-only triggers in force), and of a SQLite
database while writers go on (each copy one consistent moment)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from berjasa import demo, migrate
from berjasa.db import db
from berjasa.models import metadata
from tests.claims.helpers import ClaimsApi
from tests.conftest import make_app
from tests.notifications.helpers import pump
from tests.services import postgres_database, unavailable


def seeded_api(app) -> ClaimsApi:
    with app.app_context(), db.new_session() as session:
        lines = demo.seed(session=session, secret_key=app.config["SECRET_KEY"])
    return ClaimsApi(app.test_client(), {username: token for _, username, token in lines})


def populate(api: ClaimsApi) -> None:
    """Participants and enrolments, claims in several states (their clocks, audit events, outbox rows), a
    correction, and the notifications the events made."""
    for serial in (1, 2, 3):
        api.active(serial)
    for serial in (1, 2, 3, 4):
        claim = api.report(serial)
        if serial <= 2:
            claim = api.admit(claim)
        if serial == 1:
            api.act(claim, "verify", "demo-bpjs")
    api.call("patch", "/participants/1", json={"phone": "081300000001", "reason": "the person called"})


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of the schema, in primary-key order."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = {table.name: [tuple(row) for row in connection.execute(
            sa.select(table).order_by(*table.primary_key.columns))] for table in metadata.sorted_tables}
    engine.dispose()
    return rows


def cli(app, *args: str):
    from workers.cli import cli as berjasa  # the console script: it runs each command in the app's context

    result = app.test_cli_runner().invoke(berjasa, args=list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_a_postgres_backup_restores_into_a_fresh_database(tmp_path, pg_app, pg_admin_url):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        unavailable("pg_dump and pg_restore (Debian's postgresql package installs them)")
    api = seeded_api(pg_app)
    populate(api)
    assert pump(pg_app)  # the notifications consumer has run
    source = str(pg_app.config["DATABASE_URL"])
    before = table_rows(source)
    counts = {name: len(before[name]) for name in ("claims", "enrolments", "clocks", "outbox", "notifications",
                                                   "case_events", "participants")}
    assert (counts["claims"], counts["enrolments"], counts["participants"]) == (4, 3, 3)
    assert min(counts.values()) > 0, counts  # clocks, outbox rows, notifications and audit events too

    dump = tmp_path / "berjasa.dump"
    code, output = cli(pg_app, "backup", "-o", str(dump))
    assert code == 0, output
    assert output.startswith(f"backup written: {dump} (")

    with postgres_database(pg_admin_url) as fresh:
        libpq = make_url(fresh).set(drivername="postgresql").render_as_string(hide_password=False)
        restored = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", f"--dbname={libpq}", str(dump)],
                                  capture_output=True, text=True)
        assert restored.returncode == 0, restored.stderr
        assert table_rows(fresh) == before  # every case, clock, outbox row, notification ...: all of them
        again = make_app(tmp_path / "restored", fresh)
        code, output = cli(again, "audit", "verify")
        # 3 enrolments x 4 events, 4 claims (reported; 2 admitted, 1 verified), 1 correction: 8 chains
        assert (code, output) == (0, "audit log intact: 20 events in 8 cases\n")
        engine = sa.create_engine(fresh)
        with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            connection.execute(sa.text("UPDATE case_events SET reason = 'edited' WHERE id = 1"))
        engine.dispose()
        with again.app_context():
            db.engine.dispose()


def test_a_backup_never_overwrites_a_file(tmp_path, app):
    target = tmp_path / "taken.db"
    target.write_text("keep me")
    code, output = cli(app, "backup", "-o", str(target))
    assert code == 1 and f"{target} exists already" in output
    assert target.read_text() == "keep me"


def test_a_sqlite_backup_while_writes_go_on(tmp_path, app):
    api = seeded_api(app)
    stop, written, failures = threading.Event(), [], []

    def write() -> None:
        writer = ClaimsApi(app.test_client(), api.tokens)
        serial = 1
        while not stop.is_set() and serial < 2000:
            try:
                writer.report(serial)
                written.append(serial)
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
                return
            serial += 1

    thread = threading.Thread(target=write)
    thread.start()
    copies: list[tuple[Path, int]] = []
    try:
        while len(written) < 5:
            stop.wait(0.05)
        for n in range(4):
            copy = tmp_path / f"copy-{n}.db"
            code, output = cli(app, "backup", "-o", str(copy))
            assert code == 0, output
            copies.append((copy, len(written)))
            stop.wait(0.3)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert failures == []
    claims_seen = []
    for n, (copy, _) in enumerate(copies):
        engine = sa.create_engine(f"sqlite:///{copy}")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            claims = connection.scalar(sa.text("SELECT count(*) FROM claims"))
            # one moment: every claim with its audit event and its outbox event, none half written
            assert connection.scalar(sa.text("SELECT count(*) FROM case_events WHERE case_type = 'claim'")) == claims
            assert connection.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'claim.created'")) \
                == claims
        engine.dispose()
        copied = make_app(tmp_path / f"app-{n}", f"sqlite:///{copy}")
        with copied.app_context():
            migrate.upgrade(db.engine)  # already at the head: nothing to do
        code, output = cli(copied, "audit", "verify")
        assert code == 0 and output.startswith("audit log intact"), output
        claims_seen.append(claims)
    assert claims_seen == sorted(claims_seen) and claims_seen[-1] > claims_seen[0]  # writes went on meanwhile
    assert len(written) > claims_seen[-1] - 1
