"""The BPJS membership file on the imports page, next to DTSEN's: who may upload which, a refused upload shown on
its form, the batch's progress and its error report, and the list of imports of every kind."""

import io

from berjasa.auth.service import actor_for
from berjasa.db import db
from berjasa.imports import engine
from tests.checks.helpers import bpjs_file
from tests.web.html import table_rows, words
from tests.web.test_pages import csrf_of
from tests.web.test_report_pages import signed_in

GOOD = "7371091705900001,26000000001,Andi Rahman,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"
BAD_NIK = "737109170590,26000000002,Baso Tangko,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city"


def upload(client, content: bytes, name="bpjs-2026-11.csv"):
    return client.post("/imports/bpjs", data={"csrf_token": csrf_of(client, "/imports"),
                                              "bpjs_file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_each_role_gets_the_upload_forms_it_may_use(app, tokens):
    forms = {}
    for username in ("demo-caseworker", "demo-bpjs", "demo-supervisor"):
        body = signed_in(app, username).get("/imports").get_data(as_text=True)
        forms[username] = ("Impor berkas DTSEN" in body, "Impor berkas kepesertaan BPJS" in body)
    assert forms == {"demo-caseworker": (True, True), "demo-bpjs": (False, True), "demo-supervisor": (False, False)}
    supervisor = signed_in(app, "demo-supervisor")
    assert upload(supervisor, bpjs_file(GOOD)).status_code == 403
    assert signed_in(app, "demo-primaya").get("/imports").status_code == 403


def test_a_refused_bpjs_file_is_shown_on_its_form_and_nothing_is_kept(app, tokens):
    bpjs = signed_in(app, "demo-bpjs")
    empty = bpjs.post("/imports/bpjs", data={"csrf_token": csrf_of(bpjs, "/imports")},
                      content_type="multipart/form-data")
    assert empty.status_code == 422
    assert '<p class="error" id="bpjs_file-error">pilih berkas CSV</p>' in empty.get_data(as_text=True)
    wrong = upload(bpjs, b"nik,name\n7371091705900001,Andi\n")
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 422
    assert "missing column: kpj_number" in words(body[body.index('action="/imports/bpjs"'):])
    with app.app_context(), db.new_session() as session:
        assert engine.list_batches(session=session, page=1, per_page=10).total == 0


def test_a_bpjs_file_shows_its_progress_and_error_report(app, tokens):
    bpjs = signed_in(app, "demo-bpjs")
    sent = upload(bpjs, bpjs_file(GOOD, BAD_NIK))
    assert sent.status_code == 302 and sent.headers["Location"] == "/imports/1"
    queued = bpjs.get("/imports/1").get_data(as_text=True)
    assert "Status: antre · 0 dari 2 baris" in words(queued)
    assert 'hx-get="/imports/1/progress"' in queued  # htmx polls while it runs
    with app.app_context(), db.new_session() as session:  # the worker's part
        engine.run(session=session, batch_id=1, actor=actor_for(session=session, username="demo-bpjs"))
    progress = bpjs.get("/imports/1/progress")
    assert progress.headers["HX-Refresh"] == "true"  # done: the page reloads with the error report
    done = bpjs.get("/imports/1").get_data(as_text=True)
    assert "Status: selesai · 2 dari 2 baris" in words(done)
    assert 'aria-valuenow="100"' in done and "hx-get" not in done
    assert table_rows(done)[1:] == [["3", "nik", "must be 16 digits"]]
    assert bpjs.get("/imports/1/errors.csv").get_data(as_text=True).splitlines() == [
        "line,column,reason", "3,nik,must be 16 digits"]
    assert '<a href="/discrepancies">' in done and "/enrolments?import_batch" not in done
    listing = table_rows(signed_in(app, "demo-caseworker").get("/imports").get_data(as_text=True))
    assert listing[1] == ["Impor 1", "BPJS", "bpjs-2026-11.csv", "selesai", "2 / 2", "1"]
