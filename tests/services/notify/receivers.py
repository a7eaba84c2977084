"""Real receivers for the notifier's tests: a local SMTP server (aiosmtpd) and a local
HTTP server taking Apprise's json:// webhooks (stdlib, in a thread). Never mocks."""

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server accepted: one parsed message per recipient of each mail."""

    port: int
    mails: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def url(self, sender: str = "potrack@example.com") -> str:
        """The rules' `[mail] url` for this server (plain SMTP, no auth)."""
        return f"mailto://127.0.0.1:{self.port}?from={sender}"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.mails if address in rcpt]


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A local SMTP server on a free port, stopped afterwards."""
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a mail ("" when absent)."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return (
        text.get_content() if text is not None else "",
        html.get_content() if html is not None else "",
    )


@dataclass
class Webhook:
    """Requests a local HTTP server took: (path, JSON body). `status` is what it answers;
    `delay` seconds it waits after reading a request before it answers."""

    port: int
    status: int = 200
    delay: float = 0.0
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "hook", auth: str = "") -> str:
        return f"json://{auth}127.0.0.1:{self.port}/{path}"

    def bodies(self, path: str = "/hook") -> list[dict[str, Any]]:
        return [body for p, body in self.received if p == path]


@contextmanager
def webhook_server() -> Iterator[Webhook]:
    """A local HTTP server on a free port in a thread, stopped afterwards."""
    hook = Webhook(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.received.append((self.path, json.loads(body)))
            hook.arrived.set()
            time.sleep(hook.delay)
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", hook.port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
