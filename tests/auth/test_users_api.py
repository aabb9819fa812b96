"""Users over the API for admins, as `berjasa users` does: list, create (token shown once), issue, revoke."""

from tests.conftest import bearer


def test_admins_manage_users_and_tokens(client, tokens):
    admin = bearer(tokens["demo-admin"])
    created = client.post("/api/v1/users", json={"role": "hospital_staff", "username": "rs-daya-2",
                                                 "hospital": "RSUD-DAYA"}, headers=admin)
    assert created.status_code == 201
    body = created.get_json()
    token = body.pop("token")
    assert token.startswith("bj_") and body["created_at"].endswith("+08:00")
    assert {k: body[k] for k in ("username", "role", "party", "hospital", "is_demo", "live_tokens")} == {
        "username": "rs-daya-2", "role": "hospital_staff", "party": "RSUD-DAYA", "hospital": "RSUD-DAYA",
        "is_demo": False, "live_tokens": 1}
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["hospital"] == "RSUD-DAYA"

    second = client.post("/api/v1/users/rs-daya-2/tokens", headers=admin).get_json()
    assert second["username"] == "rs-daya-2" and second["token"] != token
    listed = client.get("/api/v1/users", headers=admin).get_json()
    assert [(u["username"], u["live_tokens"]) for u in listed["items"]] == [
        ("demo-admin", 1), ("demo-bpjs", 1), ("demo-caseworker", 1), ("demo-daya", 1), ("demo-primaya", 1),
        ("demo-supervisor", 1), ("rs-daya-2", 2)]
    revoked = client.delete("/api/v1/users/rs-daya-2/tokens", headers=admin)
    assert revoked.get_json() == {"username": "rs-daya-2", "revoked": 2}
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(second["token"])).status_code == 401


def test_users_refusals(client, tokens):
    admin = bearer(tokens["demo-admin"])
    assert client.get("/api/v1/users", headers=bearer(tokens["demo-supervisor"])).status_code == 403
    assert client.post("/api/v1/users", json={"role": "caseworker"},
                       headers=bearer(tokens["demo-caseworker"])).status_code == 403
    duplicate = client.post("/api/v1/users", json={"role": "caseworker", "username": "demo-caseworker"},
                            headers=admin)
    assert duplicate.status_code == 409
    assert client.post("/api/v1/users", json={"role": "system"}, headers=admin).get_json()["errors"] == {
        "role": ["system is not a user role"]}
    assert client.post("/api/v1/users", json={"role": "hospital_staff"}, headers=admin).get_json()["errors"] == {
        "hospital": ["hospital_staff needs a hospital"]}
    assert client.post("/api/v1/users/nobody/tokens", headers=admin).status_code == 404
    assert client.delete("/api/v1/users/nobody/tokens", headers=admin).status_code == 404
