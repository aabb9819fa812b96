"""Every input that once answered 500 (issue 10, found by schemathesis), on SQLite and on PostgreSQL: now a 4xx
problem naming the field, and nothing written."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from berjasa import demo
from berjasa.db import db
from berjasa.errors import PROBLEM_MIME
from tests.conftest import bearer
from tests.enrolment.helpers import person

BIG = 2**63  # one past PostgreSQL's BIGINT
ACCIDENT = {"nik": "7371091705900001", "accident_at": "2026-03-01T09:30:00+08:00", "place": "Pelabuhan",
            "accident_type": "work_site", "chronology": "Fell", "injury": "wrist", "reporter_name": "Nur",
            "reporter_phone": "081234567890"}
TABLES = ("participants", "enrolments", "claims", "case_events", "outbox", "parties", "api_tokens")


def deep(levels: int) -> str:
    return '{"participant_id": ' + "[" * levels + "]" * levels + "}"


# (user, method, path, body (a dict, or raw JSON text), expected status, the field the problem names)
CASES = [
    # integers beyond the database's range
    ("demo-caseworker", "get", f"/claims/{BIG}", None, 422, "claim_id"),
    ("demo-caseworker", "get", "/enrolments/" + "9" * 5000, None, 422, "enrolment_id"),
    ("demo-caseworker", "get", f"/participants/{BIG}/coverage?on=2026-01-01", None, 422, "participant_id"),
    ("demo-caseworker", "get", "/claims?page=100000000000000000000", None, 422, "query.page"),
    ("demo-caseworker", "get", "/enrolments?import_batch=100000000000000000000", None, 422, "query.import_batch"),
    ("demo-caseworker", "post", "/enrolments", {"participant_id": BIG}, 422, "participant_id"),
    ("demo-caseworker", "post", "/enrolments/bulk-transitions", {"trigger": "verify", "ids": [1, BIG]}, 422,
     "ids.1"),
    ("demo-caseworker", "post", "/participants", person(1, declared_income=BIG), 422, "declared_income"),
    # dates at the edges
    ("demo-caseworker", "get", "/reports/premiums?month=0000-01", None, 422, "query.month"),
    ("demo-caseworker", "get", "/claims?reported_to=9999-12-31", None, 422, "query.reported_to"),
    ("demo-caseworker", "get", "/claims?reported_from=0001-01-01", None, 422, "query.reported_from"),
    ("demo-caseworker", "get", "/participants/1/coverage?on=0001-01-01", None, 422, "query.on"),
    ("demo-caseworker", "post", "/claims", {**ACCIDENT, "accident_at": "0001-01-01T00:00:00+08:00"}, 422,
     "accident_at"),
    ("demo-caseworker", "post", "/claims", {**ACCIDENT, "accident_at": "9999-12-31T23:59:59-23:59"}, 422,
     "accident_at"),
    ("demo-caseworker", "post", "/participants", person(1, birth_date="1899-12-31"), 422, "birth_date"),
    ("demo-caseworker", "post", "/participants", person(1, birth_date="2999-01-01"), 422, "birth_date"),
    # JSON nested 5,000 levels deep, and 40
    ("demo-caseworker", "post", "/enrolments", deep(5000), 400, "body"),
    ("demo-caseworker", "post", "/claims/1/transitions",
     '{"trigger": "admit", "expected_version": 1, "data": {"care": ' + "[" * 40 + "]" * 40 + "}}", 400, "body"),
    # a lone surrogate, a NUL byte: refused per field on both databases
    ("demo-caseworker", "post", "/participants", json.dumps(person(1, name="x\ud800y")), 422, "name"),
    ("demo-caseworker", "post", "/participants", person(1, name="x\x00y"), 422, "name"),
    ("demo-caseworker", "post", "/claims", {**ACCIDENT, "place": "dock\x00"}, 422, "place"),
    ("demo-caseworker", "get", "/participants?name=ab%00", None, 422, "query.name"),
    ("demo-admin", "get", "/hospitals/RS%00X", None, 422, "code"),
    ("demo-caseworker", "post", "/claims/1/transitions", {"trigger": "withdraw", "expected_version": 1,
                                                          "data": {"reason": "\ud800"}}, 422, "data.reason"),
    ("demo-caseworker", "post", "/claims/1/transitions", {"trigger": "v\x00", "expected_version": 1}, 422,
     "trigger"),
    # strings over their length
    ("demo-caseworker", "post", "/participants", person(1, name="x" * 201), 422, "name"),
    ("demo-caseworker", "get", "/claims?q=" + "x" * 201, None, 422, "query.q"),
    # booleans are booleans
    ("demo-caseworker", "post", "/enrolments", {"participant_id": 1, "jht": 0}, 422, "jht"),
    ("demo-caseworker", "post", "/participants", person(1, has_disability="yes"), 422, "has_disability"),
    # unknown query parameters are named
    ("demo-caseworker", "get", "/enrolments?participant_id=1", None, 422, "query.participant_id"),
    ("demo-caseworker", "get", "/claims?colour=red", None, 422, "query.colour"),
    ("demo-caseworker", "get", "/claims/1?verbose=1", None, 422, "query.verbose"),
    # an invalid NIK is not "not covered"
    ("demo-caseworker", "post", "/coverage/lookup", {"nik": "7371", "on": "2026-03-01"}, 422, "nik"),
    ("demo-caseworker", "post", "/coverage/lookup", {"nik": "7371093205900001", "on": "2026-03-01"}, 422, "nik"),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request):
    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    with app.app_context(), db.new_session() as session:
        lines = demo.seed(session=session, secret_key=app.config["SECRET_KEY"])
    return app, {username: token for _role, username, token in lines}


def counts(app) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        return {table: connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in TABLES}


def send(client, token, method, path, body):
    headers = bearer(token)
    if isinstance(body, str):
        return getattr(client, method)(f"/api/v1{path}", data=body, content_type="application/json", headers=headers)
    return getattr(client, method)(f"/api/v1{path}", json=body, headers=headers)


def test_every_input_that_once_failed_is_refused_by_name(api):
    app, tokens = api
    client = app.test_client()
    claim = send(client, tokens["demo-caseworker"], "post", "/claims", ACCIDENT)
    assert claim.status_code == 201 and claim.get_json()["id"] == 1  # transitions of claim 1 parse its data
    before = counts(app)
    outcomes = []
    for user, method, path, body, _status, field in CASES:
        response = send(client, tokens[user], method, path, body)
        problem = response.get_json(force=True)
        outcomes.append((path[:60], response.status_code, response.mimetype, field in problem.get("errors", {})))
    expected = [(path[:60], status, PROBLEM_MIME, True) for _user, _method, path, _body, status, _field in CASES]
    assert outcomes == expected
    assert counts(app) == before


@pytest.mark.parametrize(("data", "content_type"), [
    ("nik=7371091705900001&name=Andi", "application/x-www-form-urlencoded"),
    (json.dumps(person(1)), "text/plain"),
    (json.dumps(person(1)), None),
])
def test_a_json_endpoint_given_another_content_type_is_415(client, tokens, data, content_type):
    response = client.post("/api/v1/participants", data=data, content_type=content_type,
                           headers=bearer(tokens["demo-caseworker"]))
    assert response.status_code == 415 and response.mimetype == PROBLEM_MIME
    problem = response.get_json(force=True)
    assert problem["errors"] == {"Content-Type": ["must be application/json"]}
    assert problem["detail"] == f"Send the body as application/json, not {content_type or 'no content type'}"


def test_a_bad_idempotency_key_is_named(client, tokens):
    response = client.post("/api/v1/claims", json=ACCIDENT,
                           headers={**bearer(tokens["demo-caseworker"]), "Idempotency-Key": "key\x7f"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"Idempotency-Key": ["1-200 printable ASCII characters"]}


def test_money_has_a_documented_maximum(client, tokens):
    caseworker = bearer(tokens["demo-caseworker"])
    response = client.post("/api/v1/participants", json=person(1, declared_income=1_000_000_000_000),
                           headers=caseworker)
    assert response.get_json()["errors"] == {"declared_income": ["Must be greater than or equal to 0 and less than "
                                                                 "or equal to 999999999999."]}
    ok = client.post("/api/v1/participants", json=person(1, declared_income=999_999_999_999), headers=caseworker)
    assert ok.status_code == 201 and ok.get_json()["declared_income"] == 999_999_999_999


def test_every_error_is_documented_as_a_problem(client):
    spec = client.get("/api/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            statuses = {"400", "401", "403", "404", "422", "503"} | (
                {"409", "413", "415"} if method in ("post", "patch", "delete") else set())
            assert statuses <= set(operation["responses"]), (method, path)
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            assert list(response["content"]) == [PROBLEM_MIME], name
