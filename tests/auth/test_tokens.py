import hashlib
import os
import subprocess
import sys

import sqlalchemy as sa

from berjasa.auth.models import ApiToken, User
from berjasa.db import db
from tests.conftest import SECRET, bearer


def test_me_names_role_and_party(client, tokens):
    body = client.get("/api/v1/me", headers=bearer(tokens["demo-caseworker"])).get_json()
    assert body == {
        "username": "demo-caseworker", "role": "caseworker", "hospital": None,
        "party": {"kind": "disnaker", "code": "DISNAKER-MKS", "name": "Dinas Ketenagakerjaan Kota Makassar"},
    }


def test_hospital_staff_are_bound_to_their_hospital(client, tokens):
    body = client.get("/api/v1/me", headers=bearer(tokens["demo-primaya"])).get_json()
    assert body["role"] == "hospital_staff"
    assert body["hospital"] == "RS-PRIMAYA"
    assert body["party"]["kind"] == "hospital"


def test_tokens_are_stored_only_as_hashes(app, tokens):
    with app.app_context(), db.new_session() as session:
        rows = session.execute(sa.select(ApiToken.token_hash, ApiToken.prefix)).all()
    stored = " ".join(f"{h} {p}" for h, p in rows)
    assert len(rows) == len(tokens)
    for token in tokens.values():
        assert token not in stored
        assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_a_revoked_token_is_refused(app, client, tokens):
    from berjasa.auth.service import revoke_tokens

    headers = bearer(tokens["demo-bpjs"])
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context(), db.new_session() as session:
        assert revoke_tokens(session=session, username="demo-bpjs") == 1
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json(force=True)["detail"] == "The bearer token is unknown or revoked"
    assert client.get("/api/v1/me", headers=bearer(tokens["demo-caseworker"])).status_code == 200


def test_demo_tokens_are_derived_from_the_secret(app, tokens):
    from berjasa import demo

    again = {u: t for _, u, t in demo.tokens(secret_key=SECRET)}
    assert again == tokens
    other = {u: t for _, u, t in demo.tokens(secret_key="another-secret-" + "y" * 40)}
    assert set(other.values()).isdisjoint(tokens.values())


def test_seeding_twice_adds_nothing(app, tokens):
    from berjasa import demo

    with app.app_context(), db.new_session() as session:
        demo.seed(session=session, secret_key=SECRET)
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == len(demo.DEMO_USERS)
        assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == len(demo.DEMO_USERS)


def run_cli(tmp_path, *args):
    env = {**os.environ, "BERJASA_INSTANCE_PATH": str(tmp_path / "instance"),
           "BERJASA_DATABASE_URL": f"sqlite:///{tmp_path}/berjasa.db", "BERJASA_SECRET_KEY": SECRET}
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_cli_creates_users_and_prints_the_token_last(app, tmp_path, tokens):
    # the `app` fixture's database lives at tmp_path/berjasa.db, seeded by `tokens`
    result = run_cli(tmp_path, "users", "create", "--role", "hospital_staff", "--hospital", "RSUD-DAYA",
                     "--username", "siti")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    body = app.test_client().get("/api/v1/me", headers=bearer(token)).get_json()
    assert (body["username"], body["role"], body["hospital"]) == ("siti", "hospital_staff", "RSUD-DAYA")

    again = run_cli(tmp_path, "users", "create", "--role", "caseworker", "--username", "siti")
    assert again.returncode == 1 and "exists already" in again.stderr
    no_hospital = run_cli(tmp_path, "users", "create", "--role", "hospital_staff")
    assert no_hospital.returncode == 1 and "needs a hospital" in no_hospital.stderr

    revoked = run_cli(tmp_path, "users", "revoke", "siti")
    assert revoked.stdout.strip() == "revoked 1 token(s) of siti"
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_cli_demo_tokens_repeats_the_seed_lines(tmp_path):
    seeded = run_cli(tmp_path, "demo", "seed")
    assert seeded.returncode == 0, seeded.stderr
    shown = run_cli(tmp_path, "demo", "tokens")
    lines = shown.stdout.strip().splitlines()
    assert lines == seeded.stdout.strip().splitlines()
    assert [line.split()[:2] for line in lines][0] == ["caseworker", "demo-caseworker"]
    assert {line.split()[0] for line in lines} == {"caseworker", "supervisor", "bpjs_officer", "hospital_staff",
                                                    "admin"}
