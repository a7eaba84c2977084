"""Realistic, deterministic PO distribution traffic for `potrack simulate`, and its publisher."""

import asyncio
import heapq
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from schemas.binding import STRUCTURED_CONTENT_TYPE
from schemas.topics import TOPIC_OF_TYPE, Topic
from services.runtime import idle
from services.simulate.cloudevents import BAD_KINDS as BAD_KINDS
from services.simulate.cloudevents import broken, cloudevent, dumps
from services.simulate.documents import bad as bad_documents
from services.simulate.documents.courier import Carried, Courier
from services.simulate.lifecycle import DAY, HOUR, MINUTE, lifecycle
from services.simulate.profiles import PORTAL_SOURCE, SUPPLIERS

TimeMode = Literal["historical", "live"]
Record = tuple[bytes, bytes, list[tuple[str, bytes]]]
OnSent = Callable[["SimEvent", RecordMetadata], None]
OnVisit = Callable[["SimEvent"], None]
Pending = list[tuple["asyncio.Future[RecordMetadata]", "SimEvent"]]

TOPIC_OF = TOPIC_OF_TYPE
EVENTS_PER_PO = 7.8  # mean length of a lifecycle(); sizes the rate at which POs start
BATCH_BYTES = 256 * 1024  # per partition; aiokafka's 16 KiB default costs throughput
HALF_DAY = DAY / 2  # historical: aim to have started enough POs about this long before `start`
LIVE_SPEEDUP = 1440.0  # live mode: a day in the life of a PO passes in a minute
BAD_DOCUMENT_KINDS = tuple(k for kinds in bad_documents.KINDS.values() for k in kinds)
_STRUCTURED = [("content-type", STRUCTURED_CONTENT_TYPE.encode())]


@dataclass(frozen=True)
class SimEvent:
    """One Kafka record of the simulated stream (treat `value` as read-only).

    `value` is the CloudEvent as a structured-mode JSON object (raw bytes for a few bad
    messages); `binary` says to send it in binary content mode. `bad` names the defect
    that must get it dead-lettered (None: a good event); `duplicate` marks an exact
    re-send of an earlier event (same source and id). `time` is the event time.

    A raw B2B document (topic po.documents.v1, contract §2b) has its bytes as `value` and
    its `content_type` (the header the gateway reads the format from); `scripted` is the
    CloudEvent the simulator meant it to become (None for a bad document), which is what
    the gateway's translation must agree with.
    A `visit` is a supplier's view or answer in potrack's portal (issue 13); `value` is
    the CloudEvent the portal makes of it.
    """

    topic: Topic
    key: str
    time: datetime
    value: dict[str, Any] | bytes
    binary: bool = False
    duplicate: bool = False
    bad: str | None = None
    content_type: str | None = None
    scripted: dict[str, Any] | None = None
    visit: bool = False


def generate(
    seed: int,
    count: int,
    start: datetime,
    *,
    time_mode: TimeMode = "historical",
    days: float = 30.0,
    live_rate: float = 50.0,
    bad_fraction: float = 0.005,
    duplicate_fraction: float = 0.01,
    late_fraction: float = 0.03,
    binary_fraction: float = 0.5,
    po_start: int | None = None,
    documents: bool = False,
    portal: bool = False,
) -> Iterator[SimEvent]:
    """Yield `count` events of many interleaved POs in rough arrival order; pure and seeded.

    historical: POs are approved over the `days` before `start` and play out at real
    speed; nothing after `start` is emitted (the newest POs are caught mid-flight; if
    the window runs short, the last POs crowd into its end). live: POs play out LIVE_SPEEDUP
    times faster from `start` on, about `live_rate` events per second of event time, so
    publishing at that rate (or with follow_event_time) keeps event times near now.
    A `late_fraction` of events arrives minutes to hours after later ones, a
    `duplicate_fraction` is re-sent, a `bad_fraction` is followed by a broken variant.
    PO numbers run on from `po_start` (default: drawn from the seed). Ids and PO numbers
    depend on the seed alone, so re-publishing a seed (even with another `start`) only
    produces duplicates: use another seed, and `po_start` to keep POs of runs apart.
    With `documents`, what suppliers' and mail servers' systems send arrives as raw B2B
    documents on po.documents.v1 (`services.simulate.documents.courier` says which), for
    the gateway to translate; without, every event is a CloudEvent (what ingest alone
    consumes, as the benchmarks and integration tests need). With `portal`, the views and
    answers in potrack's portal (source urn:potrack:portal) come as `visit` events, on
    time, never re-sent or broken; without, as the CloudEvents the portal publishes.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if time_mode not in ("historical", "live"):
        raise ValueError(f"unknown time_mode {time_mode!r}")
    if count < 0 or days <= 0 or live_rate <= 0:
        raise ValueError("count must be >= 0, days and live_rate > 0")
    rng = random.Random(seed)
    origin = start.astimezone(UTC)
    origin = origin.replace(microsecond=origin.microsecond // 1000 * 1000)
    if time_mode == "historical":
        origin, scale, horizon = origin - timedelta(days=days), 1.0, days * DAY
        po_gap = horizon / max(1.0, count / EVENTS_PER_PO)
        margin = min(HALF_DAY + 2 * po_gap, horizon / 4)
    else:
        scale, horizon, po_gap = 1 / LIVE_SPEEDUP, math.inf, EVENTS_PER_PO / live_rate
        margin = 0.0
    numbers = itertools.count(rng.randrange(1, 900) * 1000 if po_start is None else po_start)
    queue: list[tuple[float, int, SimEvent]] = []
    tiebreak = itertools.count()
    due = 0  # queued events that arrive within the horizon

    def push(arrival: float, event: SimEvent) -> None:
        nonlocal due
        due += arrival <= horizon
        heapq.heappush(queue, (arrival, next(tiebreak), event))

    def gap() -> float:
        # Steer the pace of new POs so that the count-th event lands near the horizon.
        if horizon == math.inf:
            return rng.expovariate(1 / po_gap)
        wanted = (count - emitted - due) / EVENTS_PER_PO
        steer = (horizon - margin - next_po) / wanted if wanted > 0 else 2 * po_gap
        return rng.expovariate(1 / min(max(steer, po_gap / 2), 2 * po_gap))

    courier = Courier(seed) if documents else None
    emitted, last, next_po = 0, 0.0, 0.0
    next_po = gap()
    while emitted < count:
        if queue and queue[0][0] <= min(next_po, horizon):
            arrival, _, event = heapq.heappop(queue)
            due, last, emitted = due - 1, arrival, emitted + 1
            yield event
            if event.bad is None and not event.duplicate and not event.visit:
                if rng.random() < duplicate_fraction:
                    push(arrival + rng.uniform(1, 2 * HOUR) * scale, replace(event, duplicate=True))
                if rng.random() < bad_fraction:
                    push(arrival + rng.uniform(0, MINUTE) * scale, _bad(rng, courier, event))
            continue
        if next_po > horizon:  # the window is used up: squeeze the POs still needed into its end
            next_po = rng.uniform(last, horizon)
        supplier = rng.choice(SUPPLIERS)
        approved = origin + timedelta(seconds=next_po)
        po = f"PO-{approved.year}-{next(numbers):06d}"
        facts = lifecycle(rng, supplier, approved.date())
        # times are kept to the ms
        times = [
            origin + timedelta(milliseconds=math.floor((next_po + f.at * scale) * 1000))
            for f in facts
        ]
        carried = (
            courier.carry(po, supplier, facts, times) if courier else map(Carried, facts, times)
        )
        for c, sent_at in zip(carried, times, strict=True):
            # sent then; a document's own time (c.when) may be cut to the minute
            at = (sent_at - origin) / timedelta(milliseconds=1) / 1000
            visit = portal and c.body is None and c.fact.source == PORTAL_SOURCE
            late = rng.random() < late_fraction and not visit
            lag = rng.uniform(5 * MINUTE, 12 * HOUR) * scale if late else 0.0
            binary = rng.random() < binary_fraction
            value = cloudevent(rng, c.fact, po, c.when)
            # what happened before `start` has arrived by then, however late
            arrival = min(at + lag, horizon) if at <= horizon else at
            if visit:
                event = SimEvent(TOPIC_OF[c.fact.type], po, c.when, value, visit=True)
            elif c.body is None:
                event = SimEvent(TOPIC_OF[c.fact.type], po, c.when, value, binary)
            else:
                event = SimEvent(
                    Topic.DOCUMENTS, po, c.when, c.body, content_type=c.content_type, scripted=value
                )
            push(arrival, event)
        next_po += gap()


def _bad(rng: random.Random, courier: Courier | None, event: SimEvent) -> SimEvent:
    """A broken variant of a good event or document, with a new id or control numbers."""
    if event.content_type is not None:
        assert courier is not None and isinstance(event.value, bytes)
        body, kind = courier.broken(event.content_type, event.value, event.time)
        return replace(event, value=body, duplicate=False, bad=kind, scripted=None)
    assert isinstance(event.value, dict)
    value, binary, kind = broken(rng, event.value, event.binary)
    return replace(event, value=value, binary=binary, duplicate=False, bad=kind)


def encode(event: SimEvent) -> Record:
    """The Kafka (key, value, headers) of a simulated event, in its content mode (a
    document: its bytes and its content-type header). Pure."""
    key, value = event.key.encode(), event.value
    if event.content_type is not None:
        assert isinstance(value, bytes)
        return key, value, [("content-type", event.content_type.encode())]
    if isinstance(value, bytes):
        return key, value, list(_STRUCTURED)
    if not event.binary:
        return key, dumps(value), list(_STRUCTURED)
    headers = [
        (f"ce_{name}", str(attribute).encode())
        for name, attribute in value.items()
        if name not in ("data", "datacontenttype")
    ]
    data = value.get("data")
    body = data if isinstance(data, bytes) else dumps(data)
    return key, body, [*headers, ("content-type", b"application/json")]


def tally(event: SimEvent) -> list[str]:
    """The counters one sent event adds to, as `publish` reports them: a document counts
    as "documents", a CloudEvent as "binary" or "structured"."""
    mode = "documents" if event.content_type else "binary" if event.binary else "structured"
    names = ["sent", "bad" if event.bad else "good", mode]
    return names + (["duplicates"] if event.duplicate else [])


async def publish(
    stream: Iterable[SimEvent],
    bootstrap_servers: str,
    rate: float | None = None,
    topic_prefix: str = "",
    on_sent: OnSent | None = None,
    *,
    follow_event_time: bool = False,
    chunk: int = 2000,
    stop: asyncio.Event | None = None,
    on_visit: OnVisit | None = None,
    client: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Send every event of `stream` (it ends when the stream does, or when `stop` is set)
    and return the counts.

    rate: records per second, None for as fast as the broker takes them; follow_event_time:
    never send an event before its event time (for time_mode="live"). Delivery reports are
    awaited in chunks (smaller when paced); a failed send raises. on_sent(event, metadata)
    is called for each record the broker confirmed. Once `stop` is set no more is sent;
    what was sent is awaited, and counted. A `visit` goes to on_visit(event) at its time
    (counted as "visits"); without on_visit, to the broker as the CloudEvent it stands for.
    client: aiokafka's connection arguments (`services.kafka.client_options`: TLS, SASL),
    bootstrap_servers among them; `bootstrap_servers` alone (plaintext) when None.
    """
    if rate is not None and rate <= 0:
        raise ValueError("rate must be positive (or None)")
    producer = AIOKafkaProducer(
        **(client or {"bootstrap_servers": bootstrap_servers}),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=BATCH_BYTES,
        max_request_size=2 * 1024 * 1024,
    )
    await producer.start()
    counts: Counter[str] = Counter()
    window = chunk if rate is None else max(1, min(chunk, int(rate / 4)))
    pending: Pending = []
    loop = asyncio.get_running_loop()
    slot = loop.time()  # when the next record is due; a backlog of at most 1 s is caught up
    try:
        for event in stream:
            wait = 0.0
            if rate is not None:
                slot = max(slot, loop.time() - 1.0)
                wait, slot = slot - loop.time(), slot + 1 / rate
            if follow_event_time:
                wait = max(wait, (event.time - datetime.now(UTC)).total_seconds())
            if (wait > 0 and await idle(stop, wait)) or (stop is not None and stop.is_set()):
                break
            if event.visit and on_visit is not None:
                on_visit(event)
                counts["visits"] += 1
                continue
            key, value, headers = encode(event)
            topic = f"{topic_prefix}{event.topic.value}"
            pending.append((await producer.send(topic, value, key=key, headers=headers), event))
            if len(pending) >= window:
                await _settle(pending, counts, on_sent)
        await _settle(pending, counts, on_sent)
    finally:
        await producer.stop()
    return dict(counts)


async def _settle(pending: Pending, counts: Counter[str], on_sent: OnSent | None) -> None:
    for future, event in pending:
        metadata = await future
        counts.update(tally(event))
        if on_sent is not None:
            on_sent(event, metadata)
    pending.clear()
