"""The DTSEN import: through the service (as the CLI runs it), through the API in the background, refusals.

Generated files have known counts: N rows with an invalid share of s have round(N*s) invalid lines, one
defect each, cycling through nik, cohort, birth_date, decile, name; a duplicate share d adds round(N*d)
lines repeating an earlier valid one."""

import io
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from berjasa.auth.service import Actor
from berjasa.db import db
from berjasa.enrolment import imports
from berjasa.enrolment.dtsen_demo import generate
from berjasa.enrolment.models import Enrolment, ImportRowError
from berjasa.events import audit
from berjasa.events.models import CaseEvent, OutboxEvent
from berjasa.imports import chunks, engine
from berjasa.registry.models import Participant
from tests.conftest import bearer
from workflows.roles import Role

IMPORTER = Actor(None, "dtsen-import", Role.SYSTEM, None, None, None)


def csv_bytes(rows, **options) -> bytes:
    return "".join(generate(rows, **options)).encode()


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def start(session, content, name="dtsen.csv", **options):
    return imports.start_import(session=session, requested_by="dtsen-import", filename=name,
                                file=io.BytesIO(content), background=False, **options)


def run(app, content, name="dtsen.csv"):
    with app.app_context(), db.new_session() as session:
        batch = start(session, content, name)
        return imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)


def small_chunks(monkeypatch, rows):
    monkeypatch.setattr(engine, "CHUNK", rows)
    monkeypatch.setattr(engine, "SQLITE_CHUNK", rows)


def stored_errors(session, batch_id=None):
    query = sa.select(ImportRowError.line, ImportRowError.column, ImportRowError.reason)
    if batch_id is not None:
        query = query.where(ImportRowError.batch_id == batch_id)
    return [tuple(row) for row in session.execute(query.order_by(ImportRowError.line, ImportRowError.id))]


def test_an_import_creates_participants_and_submitted_enrolments(engine_app, monkeypatch):
    small_chunks(monkeypatch, 97)  # several chunks
    content = csv_bytes(400, invalid_share=0.1, duplicate_share=0.05, seed=11)  # 40 invalid, 20 repeated
    batch = run(engine_app, content)
    assert (batch.status, batch.total, batch.done) == ("done", 400, 400)
    assert (batch.created, batch.updated, batch.unchanged, batch.rejected) == (340, 0, 0, 60)
    with engine_app.app_context(), db.new_session() as session, session.begin():
        assert count(session, Participant) == 340
        assert count(session, Enrolment, Enrolment.import_batch_id == batch.id,
                     Enrolment.state == "submitted") == 340
        assert count(session, CaseEvent, CaseEvent.trigger == "create") == 340
        assert count(session, OutboxEvent, OutboxEvent.event_type == "enrolment.created") == 340
        errors = stored_errors(session)
        assert Counter(column for _, column, _ in errors) == {"nik": 28, "cohort": 8, "birth_date": 8, "decile": 8,
                                                              "name": 8}
        duplicates = [(line, int(reason.removeprefix("duplicate of line "))) for line, _, reason in errors
                      if reason.startswith("duplicate of line ")]
        assert len(duplicates) == 20 and all(first < line for line, first in duplicates)
        assert audit.verify(session).first_break is None
        assert session.scalar(sa.text("SELECT count(*) FROM import_pieces")) == 0  # the file goes when done
        assert session.scalar(sa.text("SELECT count(*) FROM import_keys")) == 0


SITTI = ("7371095708900001,Sitti Rahmawati,F,1990-08-17,,,Panakkukang,,informal,0,2,2025-10-01,\n")
BASO = ("7371091708900001,Baso,M,1990-08-17,,,Panakkukang,,informal,0,2,2025-10-01,\n")
HEADER = ("nik,name,sex,birth_date,phone,address,kecamatan,kelurahan,cohort,has_disability,decile,"
          "decile_snapshot,declared_income\n")


def test_a_repeated_nik_is_refused_as_a_duplicate_of_its_first_line(engine_app, monkeypatch):
    small_chunks(monkeypatch, 2)  # the first line and its repeats fall in different chunks
    lines = [
        SITTI,                                                        # 2
        BASO,                                                         # 3
        SITTI.replace("Sitti Rahmawati", "Sitti R."),                 # 4
        SITTI.replace("informal", "petani"),                          # 5
        BASO.replace("7371091708900001", "7371-09-17-08-90-0001"),    # 6: the same NIK, written with dashes
        BASO.replace("7371091708900001", "737109170890001"),          # 7: not a NIK, so not a duplicate
        SITTI.replace(",2,2025", ",11,2025").replace("95708900001", "95708900002"),  # 8: refused, NIK seen
        SITTI.replace("95708900001", "95708900002"),                  # 9
    ]
    batch = run(engine_app, (HEADER + "".join(lines)).encode())
    assert (batch.done, batch.created, batch.rejected) == (8, 2, 6)
    cohorts = "one of rt_rw, non_asn, posyandu_kb_cadre, religious_worker, election_organiser, informal"
    with engine_app.app_context(), db.new_session() as session, session.begin():
        assert stored_errors(session) == [
            (4, "nik", "duplicate of line 2"),
            (5, "nik", "duplicate of line 2"),
            (5, "cohort", f"unknown cohort 'petani'; {cohorts}"),
            (6, "nik", "duplicate of line 3"),
            (7, "nik", "must be 16 digits"),
            (8, "decile", "must be a whole number from 1 to 10, not '11'"),
            (9, "nik", "duplicate of line 8"),
        ]
        assert sorted(session.scalars(sa.select(Participant.name))) == ["Baso", "Sitti Rahmawati"]


def test_importing_the_same_file_again_creates_nothing(engine_app):
    content = csv_bytes(120, invalid_share=0.05, seed=3)
    first = run(engine_app, content)
    second = run(engine_app, content)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (
        0, 0, first.created, first.rejected)
    with engine_app.app_context(), db.new_session() as session, session.begin():
        assert count(session, Enrolment) == first.created
        assert count(session, Participant) == first.created


def test_a_newer_snapshot_refreshes_the_decile_only(engine_app):
    content = csv_bytes(30, seed=5)
    run(engine_app, content)
    newer = content.decode().replace("2025-10-01", "2026-01-01").replace(",Mariso,", ",Tallo,")
    batch = run(engine_app, newer.encode())
    assert (batch.created, batch.updated, batch.unchanged) == (0, 30, 0)
    with engine_app.app_context(), db.new_session() as session, session.begin():
        snapshots = set(session.scalars(sa.select(Participant.decile_snapshot)))
        assert {s.isoformat() for s in snapshots} == {"2026-01-01"}
        assert count(session, Participant, Participant.kecamatan_code == "07") < 30  # addresses not overwritten


def test_an_import_resumes_where_a_crash_stopped_it(engine_app, monkeypatch):
    # On PostgreSQL the fourth chunk is in flight when the third fails: it must roll back too.
    small_chunks(monkeypatch, 50)
    content = csv_bytes(200, seed=9)
    calls = {"n": 0}
    real = chunks.write

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(chunks, "write", crash_on_third)
    with engine_app.app_context(), db.new_session() as session:
        batch = start(session, content)
        with pytest.raises(RuntimeError):
            imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)
        stopped = imports.get_batch(session=session, batch_id=batch.id)
        assert (stopped.status, stopped.done, stopped.lines_read, stopped.created) == ("running", 100, 101, 100)
        done = imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)
        assert (done.status, done.done, done.lines_read, done.created, done.unchanged) == ("done", 200, 201, 200, 0)
        with session.begin():
            assert count(session, Enrolment) == 200 and count(session, CaseEvent) == 200


def test_a_resumed_import_reads_on_from_the_line_it_stopped_at(app, monkeypatch):
    """Pieces of 256 bytes, chunks of 3 rows, a record spanning lines: the second run parses only what is left,
    and numbers its lines as in the file."""
    from berjasa.enrolment import dtsen
    from berjasa.imports import storage

    small_chunks(monkeypatch, 3)
    monkeypatch.setattr(storage, "PIECE", 256)
    people = [SITTI.replace("95708900001", f"9570890{n:04d}") for n in range(1, 9)]
    people[1] = people[1].replace(",,,Panakkukang", ',,"Jl. Veteran\nNo. 5",Panakkukang')  # lines 3-4
    people[5] = people[5].replace(",2,2025", ",11,2025")  # line 8 refused
    people[6] = people[6].replace(",0,2,", ",0,12,")  # line 9 refused
    content = (HEADER + "".join(people)).encode()
    parsed = []
    real_parser = dtsen.line_parser

    def counting_parser(header, today):
        parse = real_parser(header, today)
        return lambda number, fields: parsed.append(number) or parse(number, fields)

    monkeypatch.setattr(dtsen, "line_parser", counting_parser)
    real_write = chunks.write
    monkeypatch.setattr(chunks, "write", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("killed"))
                        if len(parsed) > 3 else real_write(*a, **k))
    with app.app_context(), db.new_session() as session:
        batch = start(session, content)
        with session.begin():
            assert session.scalar(sa.text("SELECT count(*) FROM import_pieces")) > 1
        with pytest.raises(RuntimeError):
            imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)
        assert imports.get_batch(session=session, batch_id=batch.id).lines_read == 5  # header, 3 records
        monkeypatch.setattr(chunks, "write", real_write)
        parsed.clear()
        done = imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)
        assert parsed == [6, 7, 8, 9, 10]
        assert (done.done, done.created, done.rejected, done.lines_read) == (8, 6, 2, 10)
        with session.begin():
            assert stored_errors(session) == [
                (8, "decile", "must be a whole number from 1 to 10, not '11'"),
                (9, "decile", "must be a whole number from 1 to 10, not '12'"),
            ]
            assert session.scalar(sa.select(Participant.address).where(Participant.nik == "7371095708900002")) \
                == "Jl. Veteran No. 5"


def test_a_second_run_of_the_same_batch_takes_it_over(engine_app, monkeypatch):
    """A redelivered message may start a batch twice: the newer run takes over, the older one stops at its next
    chunk, and nothing is written or counted twice."""
    small_chunks(monkeypatch, 40)
    content = csv_bytes(200, invalid_share=0.05, seed=13)  # 10 invalid
    with engine_app.app_context(), db.new_session() as session, db.new_session() as other:
        batch = start(session, content)
        overtaken = []

        def overtake(current):
            if not overtaken:  # after the first chunk, another run does the rest
                overtaken.append(imports.run_import(session=other, batch_id=batch.id, actor=IMPORTER))

        first = imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER, progress=overtake)
        with session.begin():
            assert count(session, Enrolment) == 190 and count(session, CaseEvent) == 190
    assert (overtaken[0].status, overtaken[0].done, overtaken[0].created, overtaken[0].rejected) == (
        "done", 200, 190, 10)
    assert (first.status, first.done, first.created, first.rejected) == ("done", 200, 190, 10)


def test_an_upload_is_kept_in_pieces_that_end_at_line_ends(app, client, tokens, monkeypatch):
    from berjasa.imports import storage

    monkeypatch.setattr(storage, "PIECE", 4096)
    content = csv_bytes(300, seed=5)  # about 44 KB
    response = upload(client, tokens["demo-caseworker"], content)
    assert response.status_code == 202, response.get_json()
    with app.app_context(), db.new_session() as session, session.begin():
        pieces = list(session.scalars(sa.text("SELECT data FROM import_pieces ORDER BY seq")))
        assert session.scalar(sa.text("SELECT count(*) FROM import_batches")) == 1
    assert len(pieces) > len(content) / 4096
    assert all(len(piece) <= 4096 and piece.endswith(b"\n") for piece in pieces)
    assert b"".join(pieces) == content


def test_a_multipart_upload_is_kept_too(app, client, tokens):
    content = csv_bytes(3000, seed=5)  # over werkzeug's 500 KB in-memory part: spooled to disk
    response = client.post("/api/v1/enrolments/imports", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), "oktober.csv")},
                           headers=bearer(tokens["demo-caseworker"]))
    assert response.status_code == 202, response.get_json()
    assert (response.get_json()["filename"], response.get_json()["total"]) == ("oktober.csv", 3000)
    with app.app_context(), db.new_session() as session, session.begin():
        pieces = list(session.scalars(sa.text("SELECT data FROM import_pieces ORDER BY seq")))
    assert len(pieces) == 1 and pieces[0] == content


def test_reading_fetches_the_file_piece_by_piece_as_it_goes(app, monkeypatch):
    """Memory holds a piece and a chunk, not the file: when a chunk is written, only the pieces it needed have
    been fetched."""
    from berjasa.imports import storage

    monkeypatch.setattr(storage, "PIECE", 2048)
    small_chunks(monkeypatch, 100)
    content = csv_bytes(1000, seed=2)  # about 145 KB: some 70 pieces
    fetched = []

    def count_fetches(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT") and "FROM import_pieces" in statement:
            fetched.append(statement)

    seen = []
    with app.app_context(), db.new_session() as session:
        batch = start(session, content)
        with session.begin():
            stored = session.scalar(sa.text("SELECT count(*) FROM import_pieces"))
        sa.event.listen(db.engine, "before_cursor_execute", count_fetches)
        try:
            imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER,
                               progress=lambda current: seen.append((current.done, len(fetched))))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count_fetches)
    assert stored > 60
    # One fetch for the header, then one per piece: a chunk of 100 rows (about 14.5 KB) needs 7 or 8 more.
    for done, pieces in seen:
        assert pieces <= 1 + (done * 145 + 2047) // 2048 + 1, seen
    assert seen[-1] == (1000, 1 + stored)


def test_the_cli_resumes_an_unfinished_batch_of_the_same_file(app):
    content = csv_bytes(30, seed=8)
    with app.app_context(), db.new_session() as session:
        first = start(session, content)
        assert start(session, content, resume=True).id == first.id
        imports.run_import(session=session, batch_id=first.id, actor=IMPORTER)
        assert start(session, content, resume=True).id != first.id  # done: a new batch


def upload(client, token, content, content_type="text/csv"):
    return client.post("/api/v1/enrolments/imports", data=content, content_type=content_type,
                       headers={**bearer(token), "X-Filename": "oktober.csv"})


def test_an_upload_is_imported_in_the_background(app, client, tokens):
    from workers import embedded

    content = csv_bytes(300, invalid_share=0.1, duplicate_share=0.02, seed=21)  # 30 invalid, 6 repeated
    total, good = 300, 264
    runtime = embedded.start(app, threads=2, tick_seconds=3600)
    try:
        response = upload(client, tokens["demo-caseworker"], content)
        assert response.status_code == 202
        body = response.get_json()
        assert response.headers["Location"] == f"/api/v1/enrolments/imports/{body['id']}"
        assert (body["status"], body["total"], body["filename"]) == ("queued", total, "oktober.csv")
        deadline = time.monotonic() + 60
        while body["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
            body = client.get(f"/api/v1/enrolments/imports/{body['id']}",
                              headers=bearer(tokens["demo-supervisor"])).get_json()
        settle(app)  # let the relay and the consumers finish with the import's events before stopping
    finally:
        runtime.stop()
    assert (body["status"], body["done"], body["created"], body["rejected"]) == ("done", total, good, total - good)
    report = client.get(body["errors_url"], headers=bearer(tokens["demo-caseworker"]))
    assert report.mimetype == "text/csv"
    lines = report.get_data(as_text=True).strip().splitlines()
    assert lines[0] == "line,column,reason" and len(lines) == 1 + 36
    listed = client.get(f"/api/v1/enrolments?import_batch={body['id']}&per_page=1",
                        headers=bearer(tokens["demo-caseworker"])).get_json()
    assert listed["total"] == good


def settle(app, timeout=30):
    import dramatiq

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context(), db.new_session() as session, session.begin():
            if count(session, OutboxEvent, OutboxEvent.published_at.is_(None)) == 0:
                break
        time.sleep(0.05)
    dramatiq.get_broker().join("events", timeout=timeout * 1000)


@pytest.mark.parametrize(("content", "content_type", "status", "field"), [
    (b"nik,name,colour\n7371091705900001,A,red\n", "text/csv", 422, "header"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv", 422, "file"),
    (b"", "text/csv", 422, "file"),
    (b"{}", "application/json", 415, "Content-Type"),
])
def test_a_bad_file_is_refused_at_once_and_nothing_is_written(app, client, tokens, content, content_type, status,
                                                               field):
    response = upload(client, tokens["demo-caseworker"], content, content_type)
    assert response.status_code == status
    body = response.get_json(force=True)
    assert field in body["errors"], body
    with app.app_context(), db.new_session() as session, session.begin():
        assert count(session, OutboxEvent) == 0 and count(session, ImportRowError) == 0
        assert session.scalar(sa.text("SELECT count(*) FROM import_batches")) == 0


def test_an_oversized_upload_is_413(app, client, tokens):
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = upload(client, tokens["demo-caseworker"], csv_bytes(50, seed=1))
    assert response.status_code == 413
    assert response.get_json(force=True)["type"] == "about:blank"


def test_only_caseworkers_and_admins_upload(client, tokens):
    assert upload(client, tokens["demo-primaya"], csv_bytes(2, seed=1)).status_code == 403
    assert upload(client, tokens["demo-bpjs"], csv_bytes(2, seed=1)).status_code == 403


def test_the_cli_makes_a_file_and_imports_it(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import SECRET
    from tests.workers.processes import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env.update(BERJASA_INSTANCE_PATH=str(tmp_path / "instance"), BERJASA_SECRET_KEY=SECRET)
    cli = [sys.executable, "-m", "workers.cli"]
    made = subprocess.run([*cli, "demo", "dtsen", "--rows", "300", "--invalid-share", "0.1", "--seed", "4",
                           "-o", str(tmp_path / "f.csv")], env=env, cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    good = 267  # 30 invalid, 3 repeated (--duplicate-share defaults to 0.01)
    first = subprocess.run([*cli, "import", "dtsen", str(tmp_path / "f.csv")], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == f"import 1: 300 rows, {good} created, 0 updated, 0 unchanged, " \
                                           f"{300 - good} rejected"
    assert first.stdout.splitlines()[1] == "row errors: GET /api/v1/enrolments/imports/1/errors.csv " \
                                           "(or --errors FILE)"
    again = subprocess.run([*cli, "import", "dtsen", str(tmp_path / "f.csv"), "--errors", str(tmp_path / "e.csv")],
                           env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.stdout.splitlines()[0] == f"import 2: 300 rows, 0 created, 0 updated, {good} unchanged, " \
                                           f"{300 - good} rejected"
    assert again.stdout.splitlines()[1] == f"row errors: {tmp_path / 'e.csv'} ({300 - good} rows)"
    written = (tmp_path / "e.csv").read_text().splitlines()
    assert written[0] == "line,column,reason" and len(written) == 1 + 300 - good


def test_the_enrolment_workflow_is_published(client, tokens):
    body = client.get("/api/v1/workflows", headers=bearer(tokens["demo-caseworker"])).get_json()
    enrolment = next(w for w in body if w["name"] == "enrolment")
    assert enrolment["states"] == ["submitted", "verified", "sent_to_bpjs", "active", "lapsed", "terminated",
                                   "rejected"]
    verify = next(t for t in enrolment["transitions"] if t["trigger"] == "verify")
    assert verify["guards"] == ["valid_nik", "eligible", "no_other_enrolment"] and verify["roles"] == ["caseworker"]


def test_the_cycle_collector_runs_rarely_during_an_import_and_as_usual_after(app):
    import gc

    usual = gc.get_threshold()
    during = []
    with app.app_context(), db.new_session() as session:
        batch = start(session, csv_bytes(20, seed=3))
        imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER,
                           progress=lambda current: during.append(gc.get_threshold()))
    assert during == [(20_000, 1_000, 1_000)] and gc.get_threshold() == usual


@pytest.mark.parametrize("which", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_the_error_report_is_streamed_as_csv(request, which):
    """A GET reads in autocommit on PostgreSQL; the report's cursor still runs in a transaction of its own."""
    from berjasa import demo

    app = request.getfixturevalue(which)
    with app.app_context(), db.new_session() as session:
        token = {username: token for _, username, token in demo.seed(
            session=session, secret_key=app.config["SECRET_KEY"])}["demo-caseworker"]
    batch = run(app, (HEADER + SITTI + SITTI + BASO.replace("7371091708900001", "737109170890001")).encode())
    response = app.test_client().get(f"/api/v1/enrolments/imports/{batch.id}/errors.csv", headers=bearer(token))
    assert (response.status_code, response.mimetype) == (200, "text/csv")
    assert response.headers["Content-Disposition"] == f"attachment; filename=import-{batch.id}-errors.csv"
    assert response.get_data(as_text=True).splitlines() == [
        "line,column,reason", "3,nik,duplicate of line 2", "4,nik,must be 16 digits"]
    missing = app.test_client().get("/api/v1/enrolments/imports/99/errors.csv", headers=bearer(token))
    assert (missing.status_code, missing.mimetype) == (404, "application/problem+json")
