"""The simulated portal suppliers over HTTP, against a real local server that answers as
the portal's form contract says (the real portal: tests/integration/
test_portal_simulated.py): the link asked for again while the PO is not projected, the
cookies kept from the page to the answer, the page's csrf sent back; and every failure
one log line and nothing more, never an exception."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

from schemas.topics import Topic
from services.logging import configure
from services.simulate.suppliers import PortalSuppliers
from services.simulate.traffic import SimEvent
from tests.services.notify.receivers import free_port
from tests.services.simulate.support import START

FAST = (0.05, 0.05, 0.05, 0.05)
ANSWER = {"revision": 1, "recipient": "SUP-1:orders", "decision": "accepted_with_changes"}
ANSWER |= {"lines": [{"line": 1, "decision": "backordered", "promised_date": "2026-12-01"}]}
PAGE = b'<html><body><form method="post"><input type="hidden" name="csrf" value="f0rm">'


@dataclass
class Portal:
    """What the server was asked; `misses`: link requests answered 404 before the PO is
    known; `page`: the status of the link's page."""

    port: int
    misses: int = 2
    page: int = 200
    configured: bool = True
    asked: list[tuple[str, str, str | None]] = field(default_factory=list)
    posted: list[tuple[dict[str, str], str | None]] = field(default_factory=list)


def handler(portal: Portal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def reply(self, status: int, body: bytes, *headers: tuple[str, str]) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            portal.asked.append(("GET", self.path, self.headers.get("Authorization")))
            if self.path == "/pos/PO-1/portal-links":
                if not portal.configured or portal.misses > 0:
                    portal.misses -= 1
                    said = "the portal is not configured" if not portal.configured else "no PO"
                    return self.reply(404, json.dumps({"detail": said}).encode())
                url = f"http://127.0.0.1:{portal.port}/portal/t0ken"
                links = [{"recipient": "SUP-1:orders", "revision": 1, "url": url}]
                body = {"po_number": "PO-1", "revision": 1, "links": links}
                return self.reply(200, json.dumps(body).encode())
            if portal.page != 200:
                return self.reply(portal.page, b"<html><body><h1>This link is not valid</h1>")
            cookie = ("Set-Cookie", "csrf=c00kie; Path=/portal/t0ken; HttpOnly; SameSite=Strict")
            return self.reply(200, PAGE + b"</form></body></html>", cookie)

        def do_POST(self) -> None:
            size = int(self.headers["Content-Length"])
            fields = dict(parse_qsl(self.rfile.read(size).decode()))
            portal.posted.append((fields, self.headers.get("Cookie")))
            self.reply(303, b"", ("Location", self.path))

    return Handler


@pytest.fixture
def portal() -> Iterator[Portal]:
    found = Portal(free_port())
    server = ThreadingHTTPServer(("127.0.0.1", found.port), handler(found))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def visit(kind: str, data: dict[str, Any]) -> SimEvent:
    value = {"type": kind, "subject": "PO-1", "source": "urn:potrack:portal", "data": data}
    return SimEvent(Topic.ACKNOWLEDGMENT, "PO-1", START, value, visit=True)


def gave_up(err: str) -> list[str]:
    return [line for line in err.splitlines() if "portal supplier gave up" in line]


async def test_an_answer_asks_for_the_link_opens_it_and_posts_the_form(portal: Portal) -> None:
    suppliers = PortalSuppliers(f"http://127.0.0.1:{portal.port}/", "api-t0ken", retries=FAST)

    suppliers.visit(visit("po.acknowledged", ANSWER))
    await suppliers.close()

    assert suppliers.outcomes == {"portal_answered": 1}
    links = [a for a in portal.asked if a[1].startswith("/pos/")]
    assert len(links) == 3 and {a[2] for a in links} == {"Bearer api-t0ken"}  # 2 x 404
    [(fields, cookie)] = portal.posted
    assert cookie == "csrf=c00kie"  # kept from the page
    assert fields == {
        "csrf": "f0rm",
        "decision": "accepted_with_changes",
        "line-1-decision": "backordered",
        "line-1-promised_date": "2026-12-01",
    }


def test_a_view_only_opens_the_page(portal: Portal) -> None:
    suppliers = PortalSuppliers(f"http://127.0.0.1:{portal.port}", retries=FAST)

    suppliers.attempt(visit("po.received", {"revision": 1, "recipient": "SUP-1:orders"}))

    assert suppliers.outcomes == {"portal_viewed": 1}
    assert [a[1] for a in portal.asked][-1] == "/portal/t0ken" and not portal.posted
    assert portal.asked[0][2] is None  # no API token set: none sent


@pytest.mark.parametrize("problem", ["refused page", "not configured", "unreachable"])
def test_a_supplier_that_cannot_answer_logs_one_line_and_does_nothing(
    portal: Portal, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure("INFO", "json")
    api = f"http://127.0.0.1:{portal.port}"
    if problem == "refused page":
        portal.misses, portal.page = 0, 403
    elif problem == "not configured":
        portal.configured = False
    else:
        api = f"http://127.0.0.1:{free_port()}"
    suppliers = PortalSuppliers(api, retries=FAST)

    suppliers.attempt(visit("po.acknowledged", ANSWER))

    assert suppliers.outcomes == {"portal_gave_up": 1} and not portal.posted
    [line] = gave_up(capsys.readouterr().err)
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["po_number"] == "PO-1"
    reason = {
        "refused page": "HTTP 403: This link is not valid",
        "not configured": "HTTP 404: the portal is not configured",
        "unreachable": "potrack is unreachable",
    }[problem]
    assert reason in entry["reason"]
    if problem == "not configured":  # nothing to wait for: asked once
        assert len(portal.asked) == 1
