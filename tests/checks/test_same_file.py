"""The same BPJS membership file uploaded again: it is the newest import again (its rows are used as they are,
nothing is stored or read anew) and the cross-checks run again in full; a file equal to an older one, or another
kind's file, is imported anew. Through the engine, the API and its events, the CLI and the imports page."""

import io
import os
import subprocess
import sys

import sqlalchemy as sa

from berjasa.auth.service import actor_for
from berjasa.checks.models import CheckRun
from berjasa.db import db
from berjasa.events.models import OutboxEvent
from berjasa.imports import engine
from tests.checks.helpers import IMPORTER, bpjs_file, found, import_file, pump
from tests.conftest import bearer
from tests.web.test_import_pages import upload
from tests.web.test_report_pages import signed_in

CLEAN = "737109170590000{n},2600000000{n},Andi Rahman {n},1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"
OTHER_KPJ = "737109170590000{n},2699999999{n},Andi Rahman {n},1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"


def counts(app) -> dict[str, int]:
    with app.app_context(), db.new_session() as session, session.begin():
        return {table: session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (names listed here)
                for table in ("import_batches", "import_pieces", "bpjs_memberships", "discrepancies")}


def runs_of(app, batch_id: int) -> list[tuple[str, str, int, int]]:
    """(check, trigger, found, opened) of the runs recorded for an import, in order."""
    with app.app_context(), db.new_session() as session, session.begin():
        return [tuple(r) for r in session.execute(
            sa.select(CheckRun.check, CheckRun.trigger, CheckRun.found, CheckRun.opened)
            .where(CheckRun.import_batch_id == batch_id, CheckRun.found > 0).order_by(CheckRun.id))]


def test_the_same_file_again_is_its_batch_again_and_the_checks_run_again(api):
    app = api.client.application
    api.active(1), api.active(2)
    content = bpjs_file(CLEAN.format(n=1), OTHER_KPJ.format(n=2))
    first, runs = import_file(app, content)
    assert (first.id, first.status, first.created, runs["kpj_mismatch"].opened) == (1, "done", 2, 1)
    assert counts(app) == {"import_batches": 1, "import_pieces": 0, "bpjs_memberships": 2, "discrepancies": 1}
    again, runs = import_file(app, content, name="bpjs-resent.csv")
    assert (again.id, again.filename, again.created) == (1, "bpjs.csv", 2)
    assert {name: (run.found, run.opened, run.reopened, run.auto_resolved, run.import_batch_id)
            for name, run in runs.items() if run.found} == {"kpj_mismatch": (1, 0, 0, 0, 1)}
    assert counts(app) == {"import_batches": 1, "import_pieces": 0, "bpjs_memberships": 2, "discrepancies": 1}
    assert runs_of(app, 1) == [("kpj_mismatch", "import", 1, 1), ("kpj_mismatch", "import", 1, 0)]


def test_a_file_equal_to_an_older_one_is_imported_anew(api):
    app = api.client.application
    participant = api.active(1)["participant"]["id"]
    older, newer = bpjs_file(CLEAN.format(n=1)), bpjs_file(OTHER_KPJ.format(n=1))
    assert [import_file(app, content)[0].id for content in (older, newer, older)] == [1, 2, 3]
    # the newest file is BPJS's view again: the KPJ number the second file disputed is agreed again
    assert counts(app) == {"import_batches": 3, "import_pieces": 0, "bpjs_memberships": 1, "discrepancies": 1}
    assert found(app, "resolved") == {("kpj_mismatch", "participant", str(participant))}


def test_an_unfinished_or_failed_import_of_the_file_is_not_taken_for_it(app):
    content = bpjs_file(CLEAN.format(n=1))
    with app.app_context(), db.new_session() as session:
        queued = engine.start(session=session, kind="bpjs", requested_by="bpjs-import", filename="a.csv",
                              file=io.BytesIO(content), background=False)
        second = engine.start(session=session, kind="bpjs", requested_by="bpjs-import", filename="a.csv",
                              file=io.BytesIO(content), background=False)
        assert (queued.id, second.id, second.status) == (1, 2, "queued")
        engine.run(session=session, batch_id=2, actor=IMPORTER)
        third = engine.start(session=session, kind="bpjs", requested_by="bpjs-import", filename="a.csv",
                             file=io.BytesIO(content), background=False)
    assert (third.id, third.status) == (2, "done")


def test_an_upload_of_the_same_file_answers_200_and_the_workers_run_the_checks_again(app, client, tokens):
    from tests.enrolment.helpers import Api

    Api(client, tokens).active(1)
    content = bpjs_file(OTHER_KPJ.format(n=1))
    headers = {**bearer(tokens["demo-bpjs"]), "X-Filename": "bpjs-2026-11.csv"}
    sent = client.post("/api/v1/imports/bpjs", data=content, content_type="text/csv", headers=headers)
    assert (sent.status_code, sent.get_json()["status"]) == (202, "queued")
    with app.app_context(), db.new_session() as session:  # the worker's part
        engine.run(session=session, batch_id=1, actor=actor_for(session=session, username="demo-bpjs"))
    assert "import.finished" in pump(app)
    resent = client.post("/api/v1/imports/bpjs", data=content, content_type="text/csv",
                         headers={**headers, "X-Filename": "bpjs-2026-11 (1).csv"})
    body = resent.get_json()
    assert (resent.status_code, resent.headers["Location"]) == (200, "/api/v1/imports/batches/1")
    assert (body["id"], body["status"], body["filename"], body["created"]) == (1, "done", "bpjs-2026-11.csv", 1)
    with app.app_context(), db.new_session() as session, session.begin():
        repeated = session.execute(sa.select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "import.repeated")).scalars().all()
    assert repeated == [{"batch_id": 1, "kind": "bpjs", "requested_by": "demo-bpjs",
                         "filename": "bpjs-2026-11 (1).csv"}]
    assert pump(app) == ["import.repeated"]
    assert runs_of(app, 1) == [("kpj_mismatch", "import", 1, 1), ("kpj_mismatch", "import", 1, 0)]
    assert counts(app) == {"import_batches": 1, "import_pieces": 0, "bpjs_memberships": 1, "discrepancies": 1}


def test_the_imports_page_says_the_file_was_imported_already(app, tokens):
    bpjs = signed_in(app, "demo-bpjs")
    content = bpjs_file(CLEAN.format(n=1))
    assert upload(bpjs, content).headers["Location"] == "/imports/1"
    with app.app_context(), db.new_session() as session:
        engine.run(session=session, batch_id=1, actor=actor_for(session=session, username="demo-bpjs"))
    again = upload(bpjs, content, name="lagi.csv")
    assert (again.status_code, again.headers["Location"]) == (302, "/imports/1")
    page = bpjs.get("/imports/1").get_data(as_text=True)
    assert ("Berkas yang sama dengan impor 1: barisnya dipakai lagi dan pemeriksaan silang dijalankan lagi."
            in page)
    assert counts(app)["import_batches"] == 1


def test_the_cli_says_so_and_runs_the_checks_again(tmp_path):
    from tests.conftest import SECRET
    from tests.workers.processes import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("BERJASA_")}
    env.update(BERJASA_INSTANCE_PATH=str(tmp_path / "instance"), BERJASA_SECRET_KEY=SECRET)
    (tmp_path / "bpjs.csv").write_bytes(bpjs_file(CLEAN.format(n=1)))
    cli = [sys.executable, "-m", "workers.cli", "import", "bpjs", str(tmp_path / "bpjs.csv")]
    first = subprocess.run(cli, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(cli, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "import 1: the same file (SHA-256 " in again.stderr
    assert "import 1: 1 rows, 1 created, 0 updated, 0 unchanged, 0 rejected" in again.stdout
    # the NIK is unknown to the city: found again, opened once
    assert ("check active_at_bpjs_not_in_city: 1 found, 1 opened, 0 reopened, 0 resolved by data"
            in first.stdout)
    assert ("check active_at_bpjs_not_in_city: 1 found, 0 opened, 0 reopened, 0 resolved by data"
            in again.stdout)


def test_the_api_documents_both_answers_to_an_upload(client):
    responses = client.get("/api/openapi.json").get_json()["paths"]["/api/v1/imports/{kind}"]["post"]["responses"]
    assert {"200", "202"} <= set(responses)
    assert responses["200"]["content"]["application/json"]["schema"] == responses["202"]["content"][
        "application/json"]["schema"]
