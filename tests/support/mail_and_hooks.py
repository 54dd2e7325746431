"""A real local SMTP server (aiosmtpd) and a webhook receiver (http.server), both on 127.0.0.1, for the alert tests:
what reached them is kept for the test to read; each is stopped when its ``with`` block ends."""

from __future__ import annotations

import contextlib
import email
import email.policy
import http.server
import json
import threading
from collections.abc import Iterator

from orchestration.processes import free_port


class Inbox:
    """Every message the local SMTP server accepted, with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpts, m in self.messages if address in rcpts]


class Hooks:
    """Every POST the webhook receiver got: path, headers, body."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []

    def on(self, path: str) -> list[dict]:
        return [json.loads(body) for p, _, body in self.requests if p == path]

    def payloads(self) -> list[tuple[str, dict]]:
        return [(p, json.loads(body)) for p, _, body in self.requests]


@contextlib.contextmanager
def local_smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@contextlib.contextmanager
def webhook_receiver() -> Iterator[tuple[Hooks, str]]:
    """Answers 200, or 500 on paths under /fail (to exercise retries)."""
    hooks = Hooks()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hooks.requests.append((self.path, dict(self.headers), body))
            self.send_response(500 if self.path.startswith("/fail") else 200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
