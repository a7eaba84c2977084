"""A notifier over a real SQLite store, fed alert records as they come off po.alerts.v1."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord

from projections.tables import notifications
from schemas.topics import OutboundType
from schemas.views import Alert, dump
from services.notify.flusher import Flusher
from services.notify.render import Renderer
from services.notify.rules import parse_rules
from services.notify.service import Notifier
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import approved, recipient

BASE = "https://potrack.example.com"
TYPES = {"raised": OutboundType.ALERT_RAISED, "resolved": OutboundType.ALERT_RESOLVED}


def alert_record(transition: str, alert: Alert, offset: int = 0) -> ConsumerRecord[Any, Any]:
    """The record the outbox publisher writes for one alert transition."""
    from services.workers.outbox import encode

    key, value, headers = encode(
        alert.po_number, TYPES[transition], dump(alert), "2026-11-02T09:00:00+00:00"
    )
    return ConsumerRecord(
        "po.alerts.v1", 0, offset, 0, 0, key, value, None, len(key), len(value), headers
    )


def rules(mail: str, hook: str, *, digest: float = 0) -> str:
    """Rules: acknowledgments overdue to the buyer and (a reminder) to the supplier, one
    message each; every transition to the webhook `hook`, in `digest`-minute digests."""
    return f"""
[mail]
url = "{mail}"

[[rule]]
kinds = ["acknowledgment_overdue"]
targets = ["buyer", "supplier"]
digest_minutes = 0

[[rule]]
transitions = ["raised", "resolved"]
targets = ["{hook}"]
digest_minutes = {digest}
"""


def po_with_people(po: str = "PO-1", *, buyer: str | None = "buyer@example.com") -> Any:
    """An approved PO whose supplier recipient `sup` has an email address, `edi` an EDI
    interchange id, and whose buyer has `buyer` as email."""
    people: dict[str, Any] = {
        "recipients": [
            recipient("sup", "supplier", "email", address="Orders@Acme.example"),
            recipient("edi", "supplier", "edi", address="ZZ:ACME"),
        ]
    }
    if buyer is not None:
        people["buyer"] = {"id": "B-7", "email": buyer}
    return approved(po=po, time=0, **people)


@dataclass
class World:
    """The store, the views, a notifier with `rules` and its flusher."""

    store: EventStore
    db: ViewDB
    notifier: Notifier
    flusher: Flusher

    def feed(self, *records: ConsumerRecord[Any, Any], now: datetime | None = None) -> int:
        """What the subscriber does with one batch; returns how many rows were queued."""
        return self.notifier.enqueue(list(records), now or datetime.now(UTC))

    async def flush(self, now: datetime | None = None) -> list[str]:
        """One flusher step, waiting for its sends; returns the targets it sent for."""
        started = await self.flusher.step(now or datetime.now(UTC))
        await self.flusher.drain()
        return started

    def ledger(self, po: str = "PO-1") -> list[dict[str, Any]]:
        with self.db.read() as tx:
            return notifications.of_po(tx, po)

    def waiting(self) -> int:
        with self.db.read() as tx:
            return notifications.waiting(tx)


@contextlib.contextmanager
def notifier_world(tmp_path: Path, rules: str, *facts: Any) -> Iterator[World]:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    db.ensure_tables()
    if facts:
        store.record(list(facts), {}, "g")
    parsed = parse_rules(rules, "notify.toml")
    settings = Settings(store_url=url, kafka_bootstrap_servers="127.0.0.1:1", public_url=BASE)
    notifier = Notifier(settings, store, db, parsed)
    assert notifier.targets is not None
    flusher = Flusher(db, notifier.targets, Renderer(BASE), owner="test", lease_seconds=30)
    try:
        yield World(store, db, notifier, flusher)
    finally:
        db.close()
        store.close()
