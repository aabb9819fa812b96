"""The DTSEN import: through the service (as the CLI runs it), through the API in the background, refusals."""

import time

import pytest
import sqlalchemy as sa

from berjasa.auth.service import Actor
from berjasa.db import db
from berjasa.enrolment import dtsen, imports
from berjasa.enrolment.models import Enrolment, ImportRowError
from berjasa.events import audit
from berjasa.events.models import CaseEvent, OutboxEvent
from berjasa.registry.models import Participant
from tests.conftest import bearer
from workflows.roles import Role

IMPORTER = Actor(None, "dtsen-import", Role.SYSTEM, None, None, None)


def csv_bytes(rows, **options) -> bytes:
    return "".join(dtsen.generate(rows, **options)).encode()


def expected(content: bytes):
    parsed = list(dtsen.read(content))
    good = [p for p in parsed if isinstance(p, dtsen.Row)]
    return len(parsed), len(good), [e for p in parsed if not isinstance(p, dtsen.Row) for e in p]


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def run(app, content, name="dtsen.csv"):
    with app.app_context(), db.new_session() as session:
        batch = imports.start_import(session=session, requested_by="dtsen-import", filename=name, content=content,
                                     background=False)
        return imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)


def test_an_import_creates_participants_and_submitted_enrolments(engine_app, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 97)  # several chunks
    content = csv_bytes(400, invalid_share=0.1, duplicate_share=0.05, seed=11)
    total, good, errors = expected(content)
    batch = run(engine_app, content)
    assert (batch.status, batch.total, batch.done) == ("done", total, total)
    assert (batch.created, batch.updated, batch.unchanged, batch.rejected) == (good, 0, 0, total - good)
    with engine_app.app_context(), db.new_session() as session, session.begin():
        assert count(session, Participant) == good
        assert count(session, Enrolment, Enrolment.import_batch_id == batch.id,
                     Enrolment.state == "submitted") == good
        assert count(session, CaseEvent, CaseEvent.trigger == "create") == good
        assert count(session, OutboxEvent, OutboxEvent.event_type == "enrolment.created") == good
        stored = session.execute(sa.select(ImportRowError.line, ImportRowError.column, ImportRowError.reason)
                                 .order_by(ImportRowError.line, ImportRowError.id)).all()
        assert [tuple(s) for s in stored] == [(e.number, e.column, e.reason) for e in errors]
        assert audit.verify(session).first_break is None


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


def test_an_import_resumes_where_a_crash_stopped_it(app, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 50)
    content = csv_bytes(200, seed=9)
    calls = {"n": 0}
    real = imports._import_chunk

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "_import_chunk", crash_on_third)
    with app.app_context(), db.new_session() as session:
        batch = imports.start_import(session=session, requested_by="x", filename="f.csv", content=content,
                                     background=False)
        with pytest.raises(RuntimeError):
            imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)
        assert imports.get_batch(session=session, batch_id=batch.id).done == 100  # two chunks committed
        done = imports.run_import(session=session, batch_id=batch.id, actor=IMPORTER)
    assert (done.status, done.done, done.created) == ("done", 200, 200)


def upload(client, token, content, content_type="text/csv"):
    return client.post("/api/v1/enrolments/imports", data=content, content_type=content_type,
                       headers={**bearer(token), "X-Filename": "oktober.csv"})


def test_an_upload_is_imported_in_the_background(app, client, tokens):
    from workers import embedded

    content = csv_bytes(300, invalid_share=0.1, duplicate_share=0.02, seed=21)
    total, good, errors = expected(content)
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
    assert lines[0] == "line,column,reason" and len(lines) == 1 + len(errors)
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
    _, good, _ = expected((tmp_path / "f.csv").read_bytes())
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
