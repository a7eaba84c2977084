"""Alert records on a real po.alerts.v1 and the rules that route them, for the notifier's
integration tests."""

import re
from typing import Any

from schemas.topics import OutboundType
from schemas.views import Alert, dump
from services.store.events import EventStore
from services.workers.outbox import encode
from tests.integration.kit import Record
from tests.services.notify.world import po_with_people

TYPES = {"raised": OutboundType.ALERT_RAISED, "resolved": OutboundType.ALERT_RESOLVED}
ALERT_LINE = re.compile(r"Alert (\S+)")


def alert_records(prefix: str, transitions: list[tuple[str, Alert]]) -> list[Record]:
    """The records the outbox publisher writes for these transitions."""
    records = []
    for transition, alert in transitions:
        key, value, headers = encode(
            alert.po_number, TYPES[transition], dump(alert), "2026-11-02T09:00:00+00:00"
        )
        records.append((f"{prefix}po.alerts.v1", key, value, headers))
    return records


def record_pos(url: str, *pos: str) -> None:
    """Approved POs with a buyer email and a supplier recipient with an email address."""
    store = EventStore(url)
    try:
        store.record([po_with_people(po) for po in pos], {}, "g")
    finally:
        store.close()


def listed(bodies: list[dict[str, Any]]) -> list[str]:
    """Every alert id the webhook messages listed, once per listing."""
    return [m for body in bodies for m in ALERT_LINE.findall(body["message"])]
