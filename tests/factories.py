"""Builders of inbound CloudEvents and accepted facts for unit tests.

Times are given as minutes after T0 (int or float), an RFC 3339 string, or an aware
datetime. Every builder that needs an event id invents a fresh one unless given `id`.
"""

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.fold import fold
from projections.sla import SlaPolicy
from projections.status import render, view_as_of
from schemas.binding import STRUCTURED_CONTENT_TYPE, decode
from schemas.recorded import Fact
from schemas.status import EventType
from schemas.views import StatusView

PO = "PO-1001"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
RECORDED_AT = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
ERP = "urn:erp"
GATEWAY = "urn:gateway"
PORTAL = "urn:supplier-portal"
STRUCTURED = [("content-type", STRUCTURED_CONTENT_TYPE.encode())]

Time = int | float | str | datetime
Headers = list[tuple[str, bytes | None]]

_ids = itertools.count(1)


def next_id() -> str:
    return f"evt-{next(_ids):06d}"


def when(t: Time) -> datetime:
    """An aware datetime: minutes after T0, a parsed RFC 3339 string, or the datetime itself."""
    if isinstance(t, datetime):
        return t
    if isinstance(t, str):
        return datetime.fromisoformat(t)
    return T0 + timedelta(minutes=t)


def rfc3339(t: Time) -> str:
    """The `time` attribute text; strings are passed through untouched (to test bad ones)."""
    if isinstance(t, str):
        return t
    return when(t).isoformat().replace("+00:00", "Z")


# --- CloudEvents on the wire -------------------------------------------------------------


def ce(
    type: str | EventType,
    po: str = PO,
    data: Mapping[str, Any] | None = None,
    *,
    id: str | None = None,
    source: str = ERP,
    time: Time = 0,
    **attributes: Any,
) -> dict[str, Any]:
    """A structured-mode CloudEvent as a dict; extra keyword arguments become attributes."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": id or next_id(),
        "source": source,
        "type": str(type),
        "subject": po,
        "time": rfc3339(time),
        "datacontenttype": "application/json",
    }
    if data is not None:
        event["data"] = dict(data)
    event.update(attributes)
    return event


def encode(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def record(
    type: str | EventType, po: str = PO, data: Mapping[str, Any] | None = None, **kw: Any
) -> bytes:
    """The Kafka value of a structured-mode CloudEvent."""
    return encode(ce(type, po, data, **kw))


def binary(
    event: Mapping[str, Any], *, content_type: str | None = "application/json"
) -> tuple[bytes, Headers]:
    """The (value, headers) of a structured CloudEvent dict sent in binary mode instead."""
    headers: Headers = [
        (f"ce_{name}", str(value).encode())
        for name, value in event.items()
        if name not in ("data", "datacontenttype")
    ]
    if content_type is not None:
        headers.append(("content-type", content_type.encode()))
    return encode(event.get("data", {})), headers


# --- accepted facts ----------------------------------------------------------------------


def fact_of(
    event: Mapping[str, Any],
    *,
    recorded_at: datetime = RECORDED_AT,
    headers: Iterable[tuple[str, bytes | None]] = STRUCTURED,
) -> Fact:
    """A Fact exactly as ingest makes one: through the binding, then Fact.from_event."""
    return Fact.from_event(decode(encode(event), list(headers)), recorded_at=recorded_at)


def fact(
    type: str | EventType,
    po: str = PO,
    data: Mapping[str, Any] | None = None,
    *,
    recorded_at: datetime = RECORDED_AT,
    **kw: Any,
) -> Fact:
    return fact_of(ce(type, po, data, **kw), recorded_at=recorded_at)


def recipient(
    id: str, kind: str = "supplier", channel: str = "email", **extra: Any
) -> dict[str, Any]:
    return {"id": id, "kind": kind, "channel": channel, **extra}


def plan(
    suppliers: Sequence[str] = ("S1",),
    internal: Sequence[str] = (),
    *,
    revision: int = 1,
    channel: str = "email",
    channels: Mapping[str, str] | None = None,
    ack_required: bool | None = None,
    supplier_id: str = "SUP-1",
    currency: str = "EUR",
    total: str = "1250.00",
    **extra: Any,
) -> dict[str, Any]:
    """`data` of po.approved / po.revised: supplier and internal recipients by id."""
    channels = channels or {}
    data: dict[str, Any] = {
        "revision": revision,
        "supplier": {"id": supplier_id, "name": "Acme Parts"},
        "currency": currency,
        "total_amount": total,
        "lines": [{"line": 1, "sku": "BOLT-8", "quantity": "100", "unit_price": "12.50"}],
        "recipients": [recipient(r, "supplier", channels.get(r, channel)) for r in suppliers]
        + [recipient(r, "internal", channels.get(r, channel)) for r in internal],
    }
    if ack_required is not None:
        data["acknowledgment_required"] = ack_required
    data.update(extra)
    return data


# --- one builder per event type, returning Facts -----------------------------------------


def approved(
    suppliers: Sequence[str] = ("S1",),
    internal: Sequence[str] = (),
    *,
    time: Time = 0,
    po: str = PO,
    id: str | None = None,
    source: str = ERP,
    **plan_kw: Any,
) -> Fact:
    data = plan(suppliers, internal, **plan_kw)
    return fact(EventType.APPROVED, po, data, time=time, id=id, source=source)


def revised(
    revision: int,
    suppliers: Sequence[str] = ("S1",),
    internal: Sequence[str] = (),
    *,
    time: Time = 0,
    po: str = PO,
    id: str | None = None,
    source: str = ERP,
    **plan_kw: Any,
) -> Fact:
    data = plan(suppliers, internal, revision=revision, **plan_kw)
    return fact(EventType.REVISED, po, data, time=time, id=id, source=source)


def cancelled(*, time: Time = 0, po: str = PO, id: str | None = None, **data: Any) -> Fact:
    return fact(EventType.CANCELLED, po, data, time=time, id=id, source=ERP)


def _about(
    type: EventType,
    who: str,
    revision: int,
    time: Time,
    po: str,
    id: str | None,
    source: str,
    **data: Any,
) -> Fact:
    body = {"revision": revision, "recipient": who, **data}
    return fact(type, po, body, time=time, id=id, source=source)


def sent(
    who: str,
    *,
    time: Time = 0,
    revision: int = 1,
    channel: str = "email",
    po: str = PO,
    id: str | None = None,
    source: str = GATEWAY,
    message_id: str | None = None,
) -> Fact:
    extra = {"message_id": message_id} if message_id else {}
    return _about(EventType.SENT, who, revision, time, po, id, source, channel=channel, **extra)


def delivered(
    who: str,
    *,
    time: Time = 0,
    revision: int = 1,
    po: str = PO,
    id: str | None = None,
    source: str = GATEWAY,
) -> Fact:
    return _about(EventType.DELIVERED, who, revision, time, po, id, source, evidence="smtp-250")


def failed(
    who: str,
    *,
    time: Time = 0,
    revision: int = 1,
    permanent: bool = True,
    code: str = "5.1.1",
    po: str = PO,
    id: str | None = None,
    source: str = GATEWAY,
) -> Fact:
    return _about(
        EventType.DELIVERY_FAILED,
        who,
        revision,
        time,
        po,
        id,
        source,
        permanent=permanent,
        code=code,
        reason="mailbox unavailable" if permanent else "try again later",
    )


def received(
    who: str,
    *,
    time: Time = 0,
    revision: int = 1,
    po: str = PO,
    id: str | None = None,
    source: str = GATEWAY,
) -> Fact:
    return _about(
        EventType.RECEIVED, who, revision, time, po, id, source, evidence="email-read-receipt"
    )


def acked(
    who: str,
    *,
    time: Time = 0,
    revision: int = 1,
    decision: str = "accepted",
    po: str = PO,
    id: str | None = None,
    source: str = PORTAL,
    **data: Any,
) -> Fact:
    return _about(
        EventType.ACKNOWLEDGED, who, revision, time, po, id, source, decision=decision, **data
    )


# --- views -------------------------------------------------------------------------------


def view_of(
    po: str, facts: Iterable[Fact], *, as_of: datetime | None = None, sla: SlaPolicy | None = None
) -> StatusView:
    """The status view of distinct facts, optionally as of an instant (then with `overdue`
    under `sla`, default policy); the empty view when nothing happened by then."""
    chosen = list(facts)
    if as_of is None:
        return render(fold(po, chosen))
    return view_as_of(po, chosen, as_of, sla or SlaPolicy()) or render(fold(po, []))


def ingest_watermark(db: Any, newest: int, at: datetime) -> None:
    """Record what ingest would after reading its one partition to the end at `at`: a
    watermark at notification `newest` (`projections.tables.watermarks`)."""
    from projections.tables import ddl, watermarks

    with db.transaction() as tx:
        ddl.create_all(tx, db.postgres)
        partition = {("po.distribution.v1", 0): at}
        watermarks.record(tx, partition, partition, lambda: newest)
