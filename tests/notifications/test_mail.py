"""E-mail against a real SMTP server (aiosmtpd, started here): the supervisors' mail on an escalation and the
daily digest, each in the reader's language, each once."""

import email
from email import policy

import pytest
from aiosmtpd.controller import Controller

from berjasa.db import db
from berjasa.notifications.mail import digest
from tests.notifications.helpers import pump, tick
from tests.services import free_port
from tests.sla.conftest import wita


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(any_app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    any_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


def mails(inbox):
    return [(to, m["Subject"], m.get_content().replace("\r\n", "\n").strip()) for to, m in inbox.messages]


def test_an_escalation_is_mailed_to_the_supervisors_at_once(api, travel, any_app, smtp):
    api.call("patch", "/me/preferences", user="demo-supervisor", json={"email": "kabid@disnaker.makassarkota.go.id"})
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    travel(wita(2026, 3, 1, 10, 0))
    api.report(1)
    for moment in (wita(2026, 3, 26, 10, 0), wita(2026, 3, 31, 10, 0), wita(2026, 4, 6, 10, 0)):
        travel(moment)
        tick(any_app, moment)
        pump(any_app)
    assert mails(smtp) == [(
        ["kabid@disnaker.makassarkota.go.id"],
        "Berjasa: Eskalasi: Keputusan BPJS untuk klaim 1 terlambat 6 hari (tanggung jawab BPJS)",
        "Eskalasi: Keputusan BPJS untuk klaim 1 terlambat 6 hari (tanggung jawab BPJS)\n\n"
        "http://127.0.0.1:8000/api/v1/claims/1",
    )]
    assert smtp.messages[0][1]["From"] == "Berjasa <berjasa@localhost>"


def test_the_daily_digest_lists_what_is_overdue_and_due_soon_once_a_day(api, travel, any_app, smtp):
    api.call("patch", "/me/preferences", user="demo-bpjs", json={"email": "klaim@bpjs.example", "language": "en"})
    api.call("patch", "/me/preferences", user="demo-caseworker", json={"email": "cw@disnaker.example"})
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    api.active(2)
    travel(wita(2026, 2, 26, 10, 0))
    api.report(1, accident_at="2026-02-26T09:00:00+08:00")  # BPJS decides by 28 March
    travel(wita(2026, 3, 1, 10, 0))
    api.report(2)  # ... and by 31 March
    with any_app.app_context(), db.new_session() as session:
        made = [digest(session, any_app.config, wita(2026, 3, 29, 6, 59)),  # before the digest hour (7)
                digest(session, any_app.config, wita(2026, 3, 29, 7, 30)),
                digest(session, any_app.config, wita(2026, 3, 29, 18, 0))]  # done for the day already
    assert made == [0, 1, 0]  # the caseworker has nothing due: no mail
    pump(any_app)
    assert mails(smtp) == [(
        ["klaim@bpjs.example"],
        "Berjasa: daily digest 2026-03-29: 1 overdue, 1 due soon",
        "Overdue (1):\n"
        "- BPJS decision, claim 1, due 2026-03-28 10:00 WITA: http://127.0.0.1:8000/api/v1/claims/1\n\n"
        "Due soon (1):\n"
        "- BPJS decision, claim 2, due 2026-03-31 10:00 WITA: http://127.0.0.1:8000/api/v1/claims/2",
    )]


def test_no_mail_without_an_smtp_url(api, travel, any_app):
    api.call("patch", "/me/preferences", user="demo-bpjs", json={"email": "klaim@bpjs.example"})
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1)
    travel(wita(2026, 2, 26, 10, 0))
    api.report(1, accident_at="2026-02-26T09:00:00+08:00")
    with any_app.app_context(), db.new_session() as session:
        assert digest(session, any_app.config, wita(2026, 3, 29, 7, 30)) == 0
