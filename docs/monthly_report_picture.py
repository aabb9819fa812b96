"""Makes docs/monthly-report.png: the monthly report of a small history (the claims report test's) as a page,
screenshot by headless Chromium (Debian's `chromium` package).

    .venv/bin/python docs/monthly_report_picture.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import time_machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from berjasa import create_app, demo, migrate  # noqa: E402
from berjasa.db import db  # noqa: E402
from tests.claims.helpers import ClaimsApi  # noqa: E402
from tests.reports import test_claims_report  # noqa: E402
from workers.app import use_app  # noqa: E402


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/berjasa.db", "SECRET_KEY": "picture-" + "x" * 40,
                      "INSTANCE_PATH": str(folder), "BROKER_URL": "", "LOG_LEVEL": "WARNING"})
    use_app(app)
    with app.app_context():
        migrate.upgrade(db.engine)
        with db.new_session() as session:
            tokens = {user: token for _, user, token in demo.seed(session=session, secret_key=app.config["SECRET_KEY"])}
    api = ClaimsApi(app.test_client(), tokens)
    moving: list = []

    def travel(moment):
        while moving:
            moving.pop().stop()
        moving.append(time_machine.travel(moment, tick=False))
        moving[-1].start()

    test_claims_report.history(api, app, travel)
    page = folder / "monthly.html"
    shown = api.call("get", "/reports/monthly.html?month=2026-05", user="demo-supervisor")
    page.write_text(shown.get_data(as_text=True))
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=820,1160", f"--screenshot={ROOT / 'docs' / 'monthly-report.png'}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)


if __name__ == "__main__":
    main()
