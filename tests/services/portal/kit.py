"""What the portal's API tests share: a book of POs, an app on the real broker, a client
that keeps cookies, and reading what the portal published."""

import asyncio
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient

from schemas.recorded import Fact
from services.api import create_app
from services.portal.links import issue
from tests.factories import acked, approved, revised, sent
from tests.services.api.conftest import World, settings_for

SECRET = "portal-secret-for-the-api-tests-0123456789"
SCRIPT = "<script>alert('x')</script>"
LINES = [
    {
        "line": 1,
        "sku": "BOLT-8",
        "description": "Bolt M8, zinc",
        "quantity": "100",
        "unit_price": "12.50",
        "need_by": "2026-12-01",
    },
    {"line": 2, "sku": "NUT-8", "quantity": "10", "unit_price": "2.50"},
]


def book() -> list[Fact]:
    """PO-P1 (S1, S2 suppliers, AP internal; two lines), PO-P2 revised to revision 2,
    PO-P3 that only forged links ask for,
    PO-X whose every text is markup (and an acknowledgment that is too)."""
    hostile = {
        "line": 1,
        "sku": SCRIPT,
        "description": f"<b>bold</b>{SCRIPT}",
        "quantity": "1",
        "unit_price": "1.00",
    }
    return [
        approved(
            ["S1", "S2"],
            ["AP"],
            po="PO-P1",
            lines=LINES,
            total="1275.00",
            buyer={"id": "B-7", "email": "buyer@example.com"},
        ),
        sent("S1", po="PO-P1", time=5),
        approved(["S1"], po="PO-P2", lines=LINES),
        approved(["S1"], po="PO-P3", lines=LINES),
        revised(2, po="PO-P2", time=60, lines=LINES[:1]),
        approved(
            ["S1"],
            po="PO-X",
            lines=[hostile],
            total="1.00",
            supplier={"id": "SUP-X", "name": f"Evil {SCRIPT} GmbH"},
            buyer={"id": f"B{SCRIPT}", "email": f"x{SCRIPT}@example.com"},
        ),
        acked(
            "S1",
            po="PO-X",
            time=30,
            decision="rejected",
            supplier_reference=f"SO{SCRIPT}",
            reason=f"because {SCRIPT}",
        ),
    ]


def link(po: str, recipient: str = "S1", revision: int = 1, secret: str = SECRET) -> str:
    """The path of a link issued now."""
    found = issue(
        secret, po, revision, recipient, base_url="http://testserver", now=datetime.now(UTC)
    )
    return f"/portal/{found.token}"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None, "the page has no form"
    return found.group(1)


@contextmanager
def client_of(world: World, **overrides: Any) -> Iterator[TestClient]:
    """A client of an app with the portal configured and these settings, its lifespan
    running (the portal's producer lives on its event loop)."""
    settings = settings_for(world.settings.store_url, **({"portal_secret": SECRET} | overrides))
    with TestClient(create_app(settings, world.store, world.db)) as client:
        yield client


def settle(client: TestClient) -> None:
    """Wait until the views the app is publishing are on the broker."""
    portal = client.app.state.portal  # type: ignore[attr-defined]
    if portal is not None:
        assert client.portal is not None
        client.portal.call(portal.views.settle)


def published(
    bootstrap: str, topic: str, expected: int = 0, *, more: float = 0.5, timeout: float = 20
) -> list[dict[str, Any]]:
    """The CloudEvents on `topic` from its start: at least `expected` (else fails after
    `timeout` seconds), and whatever else comes within `more` seconds after them."""

    async def read() -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        found: list[dict[str, Any]] = []
        clock = asyncio.get_running_loop().time
        deadline, enough = clock() + timeout, None
        try:
            while clock() < (enough or deadline):
                batch = await consumer.getmany(timeout_ms=200)
                for records in batch.values():
                    found.extend(json.loads(r.value) for r in records)
                if enough is None and len(found) >= expected:
                    enough = clock() + more
        finally:
            await consumer.stop()
        assert len(found) >= expected, f"only {len(found)} of {expected} events on {topic}"
        return found

    return asyncio.run(read())
