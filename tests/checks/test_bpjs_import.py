"""The BPJS membership file through the import engine: per-row errors with their reasons, nothing half written, a
refused file refused whole, the upload in the background, and the demo file with its discrepancies counted."""

import time
from datetime import date

import pytest
import sqlalchemy as sa

from berjasa.bpjs.models import BpjsMembership
from berjasa.db import db
from berjasa.imports.models import ImportRowError
from tests.checks.helpers import bpjs_file, found, import_file
from tests.conftest import bearer

BAD = bpjs_file(
    "7371091705900001,26000000001,Andi Rahman 1,1990-05-17,jkk+jkm,active,2026-01-01,2026-11,0,city",
    "7371-09-1705-900002,26000000002,Andi Rahman 2,17/05/1990,jkk+jkm+jht,aktif,,2026-11-30,,pemkot",
    "737109170590003,26000000003,Andi Rahman 3,1990-05-17,jkk+jkm,active,,,0,city",
    "7371091705900004,KPJ-4,,1990-02-30,jkk+jkp,dormant,,2026-13,-1,bank",
    "7371091705900001,26000000005,Andi Rahman 1,1990-05-17,jkk+jkm,active,,,0,city",
    "7371091705900006,26000000006,Andi Rahman 6,2090-05-17,,non_active,,,12,employer",
    "7371091705900007,26000000007,Andi Rahman 7,1990-05-17",
)


def test_bad_rows_are_refused_one_by_one_with_their_reasons(any_app):
    batch, _ = import_file(any_app, BAD)
    assert (batch.status, batch.done, batch.created, batch.rejected) == ("done", 7, 2, 5)
    with any_app.app_context(), db.new_session() as session, session.begin():
        errors = [tuple(r) for r in session.execute(sa.select(ImportRowError.line, ImportRowError.column,
                                                              ImportRowError.reason).order_by(ImportRowError.id))]
        stored = session.execute(sa.select(BpjsMembership.nik, BpjsMembership.line, BpjsMembership.programmes,
                                           BpjsMembership.status, BpjsMembership.paid_until,
                                           BpjsMembership.arrears_months, BpjsMembership.payer)
                                 .order_by(BpjsMembership.line)).all()
    assert sorted(errors) == sorted([
        (4, "nik", "must be 16 digits"),
        (5, "kpj_number", "must be 8 to 20 digits"),
        (5, "name", "is required"),
        (5, "birth_date", "'1990-02-30' is not a valid date"),
        (5, "programmes", "unknown programme 'jkp'; jkk, jkm, jht joined by '+'"),
        (5, "status", "unknown status 'dormant'; active or non_active"),
        (5, "paid_until", "'2026-13' is not a month"),
        (5, "arrears_months", "must be a whole number of months from 0 to 999"),
        (5, "payer", "unknown payer 'bank'; city, employer or agency"),
        (6, "nik", "duplicate of line 2"),
        (7, "birth_date", "is in the future"),
        (8, "line", "has 4 fields, the header has 10"),
    ])
    assert [tuple(r) for r in stored] == [
        ("7371091705900001", 2, "jkk,jkm", "active", date(2026, 11, 1), 0, "city"),
        ("7371091705900002", 3, "jkk,jkm,jht", "active", date(2026, 11, 1), 0, "city"),
    ]


@pytest.mark.parametrize(("content", "field"), [
    (b"nik,kpj_number,name\n7371091705900001,26000000001,A\n", "header"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "file"),
])
def test_a_bad_file_is_refused_whole_and_nothing_is_written(app, client, tokens, content, field):
    response = client.post("/api/v1/imports/bpjs", data=content, content_type="text/csv",
                           headers=bearer(tokens["demo-bpjs"]))
    assert response.status_code == 422 and field in response.get_json()["errors"]
    with app.app_context(), db.new_session() as session, session.begin():
        assert session.scalar(sa.text("SELECT count(*) FROM import_batches")) == 0
        assert session.scalar(sa.text("SELECT count(*) FROM bpjs_memberships")) == 0


def test_only_bpjs_caseworkers_and_admins_upload_a_membership_file(client, tokens):
    for user, status in (("demo-primaya", 403), ("demo-supervisor", 403)):
        assert client.post("/api/v1/imports/bpjs", data=BAD, content_type="text/csv",
                           headers=bearer(tokens[user])).status_code == status
    assert client.post("/api/v1/imports/elsewhere", data=BAD, content_type="text/csv",
                       headers=bearer(tokens["demo-bpjs"])).status_code == 404


def test_an_upload_is_imported_and_checked_in_the_background(app, client, tokens):
    from tests.enrolment.helpers import Api
    from tests.enrolment.test_imports import settle
    from workers import embedded

    api = Api(client, tokens)
    enrolment = api.active(3)
    runtime = embedded.start(app, threads=2, tick_seconds=3600)
    try:
        response = client.post("/api/v1/imports/bpjs", data=BAD, content_type="text/csv",
                               headers={**bearer(tokens["demo-bpjs"]), "X-Filename": "bpjs-2026-11.csv"})
        assert response.status_code == 202
        body = response.get_json()
        deadline = time.monotonic() + 60
        while body["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
            body = client.get(response.headers["Location"], headers=bearer(tokens["demo-bpjs"])).get_json()
        while not found(app) and time.monotonic() < deadline:
            time.sleep(0.1)
        settle(app)
    finally:
        runtime.stop()
    assert (body["kind"], body["status"], body["created"], body["rejected"]) == ("bpjs", "done", 2, 5)
    errors = client.get(body["errors_url"], headers=bearer(tokens["demo-bpjs"])).get_data(as_text=True)
    assert errors.splitlines()[:2] == ["line,column,reason", "4,nik,must be 16 digits"]
    # participant 3's row was refused (line 4): the city holds an enrolment active that the file lacks; the two
    # rows read are people the city never registered
    assert found(app) == {("enrolment_active_not_at_bpjs", "enrolment", str(enrolment["id"])),
                          ("active_at_bpjs_not_in_city", "nik", "7371091705900001"),
                          ("active_at_bpjs_not_in_city", "nik", "7371091705900002")}


def test_the_demo_file_carries_the_discrepancies_it_says(app, tokens):
    from berjasa.bpjs.demo import FOUND, generate
    from tests.enrolment.helpers import Api

    api = Api(app.test_client(), tokens)
    for serial in range(1, 41):
        api.active(serial)
    injected: dict[str, int] = {}
    with app.app_context(), db.new_session() as session:
        content = "".join(generate(session, discrepancy_share=0.25, seed=7, injected=injected)).encode()
    assert sum(injected.values()) == 10 and set(injected) <= set(FOUND) | {"spelling"}
    import_file(app, content)
    expected: dict[str, int] = {}
    for kind, count in injected.items():
        if kind in FOUND:
            expected[FOUND[kind]] = expected.get(FOUND[kind], 0) + count
    opened: dict[str, int] = {}
    for check, _, _ in found(app):
        opened[check] = opened.get(check, 0) + 1
    assert opened == expected
