"""Browser tests: the app served on a real port (PostgreSQL, the embedded workers), driven by Playwright in
Debian's headless Chromium. Where no Chromium is at hand the tests skip, except in CI (BERJASA_REQUIRE_SERVICES),
where they fail. Screenshots go to BERJASA_SCREENSHOTS (default build/screenshots), named at the end of the run."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from berjasa import demo
from berjasa.db import db
from tests.services import unavailable
from tests.workers.processes import ROOT
from workers import embedded

CHROMIUM = os.environ.get("BERJASA_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("BERJASA_SCREENSHOTS", ROOT / "build" / "screenshots"))
#: The four users' main pages, copied to docs/ for the README when BERJASA_DOCS_SCREENSHOTS=1.
DOCS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module (Playwright's sync API is stopped again before other modules run)."""
    if not Path(CHROMIUM).exists():
        unavailable(f"headless Chromium ({CHROMIUM}; apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@dataclass
class Site:
    url: str
    app: object
    passwords: dict[str, str]

    def page(self, browser, username: str | None = None, **context_options):
        """A new browser context (its own cookies), signed in as `username` if given; returns its page."""
        context = browser.new_context(base_url=self.url, locale="id-ID", **context_options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        if username:
            sign_in(page, username, self.passwords[username])
        return page


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def site(pg_app) -> Iterator[Site]:
    """The app on a free port with its workers, seeded with the demo users."""
    runtime = embedded.start(pg_app, threads=2, tick_seconds=3600)
    try:
        yield from _served(pg_app)
    finally:
        runtime.stop()


@pytest.fixture
def quiet_site(pg_app) -> Iterator[Site]:
    """The same with no workers: the test does the background work itself, when it wants."""
    yield from _served(pg_app)


def _served(pg_app) -> Iterator[Site]:
    with pg_app.app_context(), db.new_session() as session:
        demo.seed(session=session, secret_key=pg_app.config["SECRET_KEY"], config=pg_app.config)
    server = make_server("127.0.0.1", 0, pg_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", pg_app,
                   demo.passwords(secret_key=pg_app.config["SECRET_KEY"]))
    finally:
        server.shutdown()
        thread.join(timeout=10)


def screenshot(page, name: str, docs: bool = False) -> Path:
    """Save the whole page as build/screenshots/NAME.png (and docs/screenshots/NAME.png when asked and
    BERJASA_DOCS_SCREENSHOTS=1)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("BERJASA_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    if SCREENSHOTS.exists() and any(SCREENSHOTS.glob("*.png")):
        terminalreporter.write_line(f"screenshots of the pages: {SCREENSHOTS}")
