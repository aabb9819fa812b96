"""The pages without a browser: sign-in and its lock-out, the session cookie, CSRF only on the pages, errors as
pages, the navigation, and the Indonesian catalogue."""

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from berjasa import demo
from berjasa.auth.models import User
from berjasa.db import db
from berjasa.web import TRANSLATIONS, nav
from tests.conftest import bearer
from tests.workers.processes import ROOT

PO = TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def passwords(app, tokens):
    return demo.passwords(secret_key=app.config["SECRET_KEY"])


def csrf_of(client, path="/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, username, password):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)})


def test_sign_in_sets_a_guarded_session_cookie_and_sign_out_ends_it(app, passwords):
    client = app.test_client()
    response = sign_in(client, "demo-caseworker", passwords["demo-caseworker"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("berjasa_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in the embedded mode; BERJASA_SESSION_COOKIE_SECURE behind HTTPS
    assert client.get("/", follow_redirects=True).request.path == "/worklist"
    client.post("/logout", data={"csrf_token": csrf_of(client, "/worklist")})
    assert client.get("/worklist").headers["Location"] == "/login?next=/worklist"


def test_the_secure_flag_comes_from_the_setting(tmp_path, sqlite_template, monkeypatch):
    from tests.conftest import make_app

    monkeypatch.setenv("BERJASA_SESSION_COOKIE_SECURE", "true")
    app = make_app(tmp_path, f"sqlite:///{sqlite_template}")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_wrong_passwords_lock_the_account_for_a_while(app, passwords):
    client = app.test_client()
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            page = sign_in(client, "demo-bpjs", "wrong password")
            assert page.status_code == 401 and "Nama pengguna atau kata sandi salah" not in page.get_data(as_text=True)
            assert "nama pengguna atau kata sandi salah" in page.get_data(as_text=True)
        locked = sign_in(client, "demo-bpjs", "wrong password").get_data(as_text=True)
        assert "coba lagi setelah 09:15 WITA" in locked  # 15 minutes from 09:00 WITA
        assert sign_in(client, "demo-bpjs", passwords["demo-bpjs"]).status_code == 401
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert sign_in(client, "demo-bpjs", passwords["demo-bpjs"]).status_code == 302
    with app.app_context(), db.new_session() as session:
        user = session.scalar(sa.select(User).where(User.username == "demo-bpjs"))
        assert (user.failed_logins, user.locked_until) == (0, None)


def test_an_unknown_user_gets_the_answer_of_a_wrong_password(app, passwords):
    unknown = sign_in(app.test_client(), "nobody", "whatever it is")
    wrong = sign_in(app.test_client(), "demo-caseworker", "whatever it is")
    assert unknown.status_code == wrong.status_code == 401

    def shown(response):
        return re.sub(r'(csrf_token|X-CSRFToken)(" value=|": )"[^"]+"', "", response.get_data(as_text=True))

    assert shown(unknown).replace("nobody", "demo-caseworker") == shown(wrong)


def test_a_new_password_ends_the_sessions_made_before(app, passwords):
    from berjasa.auth.signin import set_password

    client = app.test_client()
    sign_in(client, "demo-caseworker", passwords["demo-caseworker"])
    assert client.get("/worklist").status_code == 200
    with app.app_context(), db.new_session() as session:
        set_password(session=session, username="demo-caseworker", password="a brand new one", config=app.config)
    assert client.get("/worklist").status_code == 302


def test_pages_check_csrf_and_the_api_does_not(app, tokens, passwords):
    client = app.test_client()
    sign_in(client, "demo-caseworker", passwords["demo-caseworker"])
    refused = client.post("/participants/new", data={"nik": "7371091705900001"})
    assert refused.status_code == 400 and "Formulir ditolak" in refused.get_data(as_text=True)
    api = app.test_client().post("/api/v1/enrolments", json={"participant_id": 1}, headers=bearer(tokens[
        "demo-caseworker"]))
    assert api.status_code == 422 and api.get_json()["errors"] == {"participant_id": ["no such participant"]}
    # the session cookie does not open the API: it takes bearer tokens only
    assert client.get("/api/v1/me").status_code == 401


def test_a_bug_shows_a_page_with_the_request_id_and_no_traceback(app, passwords, monkeypatch):
    from berjasa.web.views import work

    def broken(**_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(work.sla, "list_clocks", broken)
    client = app.test_client()
    sign_in(client, "demo-caseworker", passwords["demo-caseworker"])
    response = client.get("/worklist")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and response.headers["X-Request-ID"] in body
    assert "secret internals" not in body and "Traceback" not in body and "Daftar kerja" in body


def test_roles_reach_their_pages_only(app, passwords):
    client = app.test_client()
    sign_in(client, "demo-primaya", passwords["demo-primaya"])
    assert client.get("/", follow_redirects=True).request.path == "/claims"
    assert client.get("/queues").status_code == 403
    assert client.get("/participants").status_code == 403
    other = app.test_client()
    sent = other.post("/login", data={"username": "demo-primaya", "password": passwords["demo-primaya"],
                                      "csrf_token": csrf_of(other), "next": "https://evil.example/"})
    assert sent.headers["Location"] == "/"  # never off the site


def test_every_navigation_entry_is_a_page(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {entry.endpoint for entry in nav.NAV} <= endpoints
    assert set(nav.HOME.values()) <= endpoints


def test_every_word_of_the_pages_has_its_indonesian(tmp_path):
    """pybabel extracts the pages' words; the catalogue translates each, and the compiled .mo is the .po's."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "berjasa/web/babel.cfg",
                    "-k", "_l", "-k", "N_", "-o", str(pot), "berjasa/web"], cwd=ROOT, check=True, capture_output=True)
    wanted = {m.id for m in read_po(pot.open("rb")) if m.id}
    catalogue = read_po(PO.open("rb"))
    untranslated = sorted(m.id for m in catalogue if m.id and not m.string)
    assert sorted(wanted - {m.id for m in catalogue if m.id}) == [] and untranslated == []
    compiled = read_mo(PO.with_suffix(".mo").open("rb"))
    assert {m.id: m.string for m in compiled if m.id} == {m.id: m.string for m in catalogue if m.id}


def test_the_cli_sets_a_password_that_signs_in(app, tmp_path, tokens):
    from tests.auth.test_tokens import run_cli

    # the `app` fixture's database lives at tmp_path/berjasa.db, seeded by `tokens`
    short = run_cli(tmp_path, "users", "password", "demo-daya", "--password", "short")
    assert short.returncode == 1 and "use 10 to 200 characters" in short.stderr
    done = run_cli(tmp_path, "users", "password", "demo-daya", "--password", "kata sandi baru 2026")
    assert done.returncode == 0 and done.stdout.strip() == "password of demo-daya set"
    assert sign_in(app.test_client(), "demo-daya", "kata sandi baru 2026").headers["Location"] == "/"
