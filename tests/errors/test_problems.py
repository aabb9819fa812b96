"""Every error is application/problem+json with type, title, status, detail and errors."""

import logging

import pytest

from berjasa.errors import PROBLEM_MIME
from tests.conftest import bearer

FIELDS = {"type", "title", "status", "detail", "errors", "request_id"}


def assert_problem(response, status):
    assert response.status_code == status
    assert response.mimetype == PROBLEM_MIME
    body = response.get_json(force=True)
    assert FIELDS <= set(body)
    assert body["status"] == status
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_401_without_a_token(client):
    body = assert_problem(client.get("/api/v1/me"), 401)
    assert body["type"] == "/problems/unauthorized"
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", "bj_demo_xyz"])
def test_401_with_a_bad_token(client, tokens, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_403_names_the_role(client, tokens):
    response = client.post("/api/v1/hospitals", json={"code": "RS-X", "name": "RS X"},
                           headers=bearer(tokens["demo-caseworker"]))
    body = assert_problem(response, 403)
    assert body["type"] == "/problems/forbidden"
    assert "caseworker" in body["detail"] and "admin" in body["detail"]


def test_404_for_an_unknown_route(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["title"] == "Not Found"


def test_404_for_an_unknown_hospital(client, tokens):
    body = assert_problem(client.get("/api/v1/hospitals/RS-NONE", headers=bearer(tokens["demo-admin"])), 404)
    assert "RS-NONE" in body["detail"]


def test_405_carries_allow(client, tokens):
    response = client.delete("/api/v1/me", headers=bearer(tokens["demo-admin"]))
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_413_for_a_body_too_large(app, client, tokens):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/api/v1/hospitals", data='{"name": "' + "x" * 4000 + '"}',
                           content_type="application/json", headers=bearer(tokens["demo-admin"]))
    assert_problem(response, 413)


def test_422_names_each_field_and_reason(client, tokens):
    response = client.post(
        "/api/v1/hospitals",
        json={"code": "lower case", "plkk_agreements": [{"valid_from": "2026-02-01", "valid_to": "2026-01-01"}],
              "colour": "red"},
        headers=bearer(tokens["demo-admin"]),
    )
    body = assert_problem(response, 422)
    assert body["type"] == "/problems/validation-error"
    assert body["errors"] == {
        "code": ["2-32 upper-case letters, digits or '-'"],
        "name": ["Missing data for required field."],
        "plkk_agreements.0.valid_to": ["must not be before valid_from"],
        "colour": ["Unknown field."],
    }
    assert "code" in body["detail"] and "name" in body["detail"]


def test_400_for_malformed_json(client, tokens):
    response = client.post("/api/v1/hospitals", data='{"code": ', content_type="application/json",
                           headers=bearer(tokens["demo-admin"]))
    body = assert_problem(response, 400)
    assert body["errors"] == {"body": ["Invalid JSON body."]}


def test_bad_input_changes_nothing(client, tokens):
    admin = bearer(tokens["demo-admin"])
    before = client.get("/api/v1/hospitals", headers=admin).get_json()
    client.post("/api/v1/hospitals", json={"code": "RS-NEW"}, headers=admin)
    client.post("/api/v1/hospitals", data="{", content_type="application/json", headers=admin)
    assert client.get("/api/v1/hospitals", headers=admin).get_json() == before


def test_500_hides_internals_and_logs_the_traceback(app, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    with caplog.at_level(logging.ERROR, logger="berjasa.errors"):
        response = app.test_client().get("/boom", headers={"X-Request-ID": "req-123"})
    body = assert_problem(response, 500)
    assert body["request_id"] == "req-123"
    assert "secret internals" not in response.get_data(as_text=True)
    record = next(r for r in caplog.records if r.name == "berjasa.errors")
    assert "req-123" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is RuntimeError
