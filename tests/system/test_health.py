from tests.conftest import make_app


def test_healthz_only_says_the_process_lives(client):
    response = client.get("/healthz")
    assert response.get_json() == {"status": "ok"}


def test_readyz_in_embedded_mode(client):
    assert client.get("/readyz").get_json() == {
        "status": "ready", "database": "ok", "broker": "ok", "mode": "embedded"
    }


def test_readyz_503_when_the_database_is_down(tmp_path):
    app = make_app(tmp_path, f"sqlite:///{tmp_path}/missing-dir/x.db")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json(force=True)
    assert body["type"] == "/problems/dependency-down"
    assert body["checks"] == ["database: OperationalError"]


def test_readyz_503_when_the_broker_is_down(tmp_path, pg_app):
    app = make_app(tmp_path, pg_app.config["DATABASE_URL"], BROKER_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json(force=True)["checks"] == ["broker: ConnectionError"]


def test_openapi_and_docs(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/me", "/api/v1/hospitals", "/api/v1/hospitals/{code}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs-assets/swagger-ui-bundle.js" in page and "/api/openapi.json" in page
    asset = client.get("/api/docs-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000  # served locally, no CDN needed


def test_a_database_outage_in_a_request_is_a_503_not_a_500(tmp_path, client, tokens, app):
    import os

    os.remove(tmp_path / "berjasa.db")
    os.makedirs(tmp_path / "berjasa.db")  # the file is gone and cannot be made again
    with app.app_context():
        from berjasa.db import db

        db.engine.dispose()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['demo-admin']}"})
    assert response.status_code == 503
    body = response.get_json(force=True)
    assert body["type"] == "/problems/dependency-down" and response.headers["Retry-After"] == "2"
