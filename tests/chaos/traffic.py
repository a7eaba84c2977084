"""What a chaos run sends and receives: the simulator (a real `potrack simulate` process),
the bad records the run injects itself (their positions known, for check d), and the
webhook the notifier delivers to (a stdlib HTTP server in a thread that records every
request)."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiokafka import AIOKafkaProducer

from schemas.topics import Topic
from tests.chaos.checks import Position
from tests.chaos.processes import Member, free_port

# The bad records the run sends itself, in turn: (topic, value, content-type).
BAD_RECORDS: tuple[tuple[Topic, bytes, str], ...] = (
    (Topic.DISTRIBUTION, b"\xff\xfe\x00 not JSON at all", "application/cloudevents+json"),
    (Topic.DELIVERY, b'{"specversion": "1.0", "id": "x"', "application/cloudevents+json"),
    (Topic.ACKNOWLEDGMENT, b"", "application/json"),
    (Topic.DOCUMENTS, b"ISA*00*garbage that is no interchange~", "application/edi-x12"),
)


def schema_invalid(n: int) -> bytes:
    """A CloudEvent of a known type whose data fails its schema (unknown field, no plan)."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"chaos-bad-{n}",
            "source": "urn:chaos",
            "type": "po.approved",
            "subject": f"PO-CHAOS-{n:04d}",
            "time": "2026-11-02T09:00:00Z",
            "datacontenttype": "application/json",
            "data": {"revision": "one", "unknown": True},
        }
    ).encode()


@dataclass
class Injector:
    """Sends bad records and remembers where each landed (topic, partition, offset)."""

    bootstrap: str
    prefix: str = ""
    sent: set[Position] = field(default_factory=set)
    failed: int = 0
    _n: int = 0

    async def send(self, how_many: int) -> None:
        """Send `how_many` bad records (cycling through the kinds, a schema-invalid event
        every fifth); a broker that does not answer in 20 s makes this call send none
        (counted in `failed`; the next call tries again)."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", request_timeout_ms=20_000
        )
        try:
            await producer.start()
            for _ in range(how_many):
                self._n += 1
                if self._n % 5 == 0:
                    topic, value, kind = (
                        Topic.DISTRIBUTION,
                        schema_invalid(self._n),
                        "application/cloudevents+json",
                    )
                else:
                    topic, value, kind = BAD_RECORDS[self._n % len(BAD_RECORDS)]
                meta = await producer.send_and_wait(
                    f"{self.prefix}{topic.value}",
                    value,
                    key=f"PO-CHAOS-{self._n:04d}".encode(),
                    headers=[("content-type", kind.encode())],
                )
                self.sent.add((meta.topic, meta.partition, meta.offset))
        except Exception:
            self.failed += 1
        finally:
            await producer.stop()


def simulator(
    env: dict[str, str], log: Any, count: int, rate: float, seed: int, name: str = "simulate"
) -> Member:
    """`potrack simulate` for `count` records at `rate` per second, back-dated (historical
    mode over 12 days, so deadlines pass and alerts are raised and resolved at the
    watermarks), with B2B documents for the gateway and 1% broken messages."""
    args = [
        "simulate", "--mode", "historical", "--days", "12", "--count", str(count),
        "--rate", f"{rate:.3f}", "--seed", str(seed), "--bad-fraction", "0.01",
    ]  # fmt: skip
    return Member(name, "simulate", args, env, log)


@dataclass
class Webhook:
    """Every request the local webhook took: (path, JSON body)."""

    port: int
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self) -> str:
        """The Apprise URL of the webhook (json:// posts title, message and type)."""
        return f"json://127.0.0.1:{self.port}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies received so far, in order."""
        with self.lock:
            return [body for _, body in self.received]


@contextmanager
def webhook() -> Iterator[Webhook]:
    """A local HTTP server on a free port answering 200 to every POST, in a thread."""
    hook = Webhook(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = {"unparsed": body.decode(errors="replace")}
            with hook.lock:
                hook.received.append((self.path, parsed))
            self.send_response(200)
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


def rules_toml(url: str) -> str:
    """The notifier's rules of the run: every critical alert, raised and resolved, to the
    webhook one message each (digest_minutes 0), so each delivery is one notification."""
    return (
        "[[rule]]\n"
        'severities = ["critical"]\n'
        'transitions = ["raised", "resolved"]\n'
        f'targets = ["{url}"]\n'
        "digest_minutes = 0\n"
    )
