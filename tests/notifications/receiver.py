"""A real HTTP receiver on a loopback port, in a thread: it verifies each delivery's Standard Webhooks signature
and keeps what it accepted. It can be down (nothing listening), answer an error, or hold requests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

from tests.services import free_port


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.secret: str | None = None
        self.status = 200
        self.received: list[tuple[str, dict]] = []  # (webhook-id, body) of each verified delivery
        self.rejected: list[str] = []
        self.hold = threading.Event()  # set: answer at once; clear: hold each request until set
        self.hold.set()
        self.arrived = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/berjasa"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                receiver.arrived.set()
                receiver.hold.wait(60)
                try:
                    Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError as exc:
                    receiver.rejected.append(str(exc))
                    self.send_response(400)
                else:
                    if receiver.status < 300:
                        receiver.received.append((self.headers["webhook-id"], json.loads(body)))
                    self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self.hold.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ids_by_event(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for webhook_id, body in self.received:
            found.setdefault(body["data"]["event_id"], set()).add(webhook_id)
        return found
