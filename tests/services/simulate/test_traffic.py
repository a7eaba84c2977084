"""The traffic simulator: deterministic, always valid where meant to be, and a realistic mix."""

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from schemas.binding import STRUCTURED_CONTENT_TYPE, BadInput, decode
from schemas.events import PO_NUMBER_MAX, InboundEvent
from schemas.status import Channel, EventType
from services.simulate import traffic as simulate
from services.simulate.traffic import BAD_KINDS, TOPIC_OF, SimEvent, encode, generate, publish

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
COUNT = 4000
PO_NUMBER = re.compile(r"^PO-\d{4}-\d{6}$")
EVIDENCE_TYPES = (EventType.DELIVERED, EventType.RECEIVED)

Decoded = list[tuple[SimEvent, InboundEvent]]


@pytest.fixture(scope="module")
def stream() -> list[SimEvent]:
    return list(generate(42, COUNT, START))


@pytest.fixture(scope="module")
def good(stream: list[SimEvent]) -> Decoded:
    """Every good event with its decoded form; decoding raises if one is not valid."""
    return [(e, decode(*encode(e)[1:])) for e in stream if e.bad is None]


def data(event: InboundEvent) -> dict[str, Any]:
    return event.data.model_dump(mode="json", exclude_none=True)


def when(event: InboundEvent) -> datetime:
    return event.time


def of_type(good: Decoded, *types: EventType) -> list[InboundEvent]:
    return [ev for _, ev in good if ev.type in types]


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    def wire(seed: int) -> list[tuple[str, Any]]:
        return [(e.topic, encode(e)) for e in generate(seed, 800, START)]

    assert wire(7) == wire(7)
    assert wire(7) != wire(8)


def test_exact_count_within_the_historical_window(stream: list[SimEvent]) -> None:
    assert len(stream) == COUNT
    assert all(START - timedelta(days=30) <= e.time <= START for e in stream)
    assert max(e.time for e in stream) > START - timedelta(days=2)  # reaches up to `start`


@pytest.mark.parametrize(("count", "days"), [(0, 30), (1, 30), (41, 30), (300, 0.02)])
def test_exactly_count_events_even_in_a_tight_window(count: int, days: float) -> None:
    for seed in range(4):
        events = list(generate(seed, count, START, days=days))
        assert len(events) == count
        assert all(START - timedelta(days=days) <= e.time <= START for e in events)


def test_every_good_event_decodes_to_what_was_meant(good: Decoded) -> None:
    assert len(good) > COUNT * 0.98
    for sim, event in good:
        assert event.subject == sim.key and PO_NUMBER.match(sim.key)
        assert len(sim.key) <= PO_NUMBER_MAX
        assert event.time == sim.time
        assert TOPIC_OF[event.type] == sim.topic


def test_bad_messages_are_dead_letter_material_and_only_when_enabled() -> None:
    bad = [e for e in generate(5, 2000, START, bad_fraction=0.05) if e.bad]
    assert {e.bad for e in bad} == set(BAD_KINDS)
    for event in bad:
        with pytest.raises(BadInput):
            decode(*encode(event)[1:])
    assert not any(e.bad for e in generate(5, 2000, START, bad_fraction=0))


def test_default_bad_fraction_is_small(stream: list[SimEvent]) -> None:
    assert 0 < sum(e.bad is not None for e in stream) < COUNT * 0.015


def test_every_type_channel_source_and_evidence_occurs(good: Decoded) -> None:
    assert {ev.type for _, ev in good} == set(EventType)
    plans = of_type(good, EventType.APPROVED, EventType.REVISED)
    channels = {r["channel"] for ev in plans for r in data(ev)["recipients"]}
    assert channels >= {c.value for c in Channel} - {"print"}
    assert {"urn:erp:sap-prod", "urn:gateway:email", "urn:gateway:edi"} <= {
        e.source for _, e in good
    }
    evidence = {data(ev).get("evidence") for ev in of_type(good, *EVIDENCE_TYPES)}
    assert evidence >= {
        "email-dsn-delivered",
        "as2-mdn",
        "http-202",
        "edi-997-accepted",
        "edifact-contrl-accepted",
        "cxml-status-200",
        "email-read-receipt",
        "portal-viewed",
    }
    assert "smtp-250" not in evidence  # contract v1.1: the relay's 250 is po.sent only
    assert {data(ev)["currency"] for ev in plans} >= {"USD", "EUR", "GBP", "JPY"}
    internal = {r["id"] for ev in plans for r in data(ev)["recipients"] if r["kind"] == "internal"}
    acked = {data(ev)["recipient"] for ev in of_type(good, EventType.ACKNOWLEDGED)}
    assert "ap-inbox" in internal and not internal & acked


def test_totals_are_consistent_with_the_lines(good: Decoded) -> None:
    for ev in of_type(good, EventType.APPROVED, EventType.REVISED):
        plan = data(ev)
        lines = [Decimal(ln["quantity"]) * Decimal(ln["unit_price"]) for ln in plan["lines"]]
        assert lines and Decimal(plan["total_amount"]) == sum(lines)
        assert all(ln["need_by"] and ln["sku"] for ln in plan["lines"])


def test_failures_retries_and_bounces(good: Decoded) -> None:
    failures = [data(ev) for ev in of_type(good, EventType.DELIVERY_FAILED)]
    assert any(f["permanent"] and f["code"] == "5.1.1" for f in failures)
    assert any(not f["permanent"] for f in failures)
    attempts = {data(ev).get("attempt", 1) for ev in of_type(good, EventType.SENT)}
    assert attempts == {1, 2, 3}


def test_answers_change_orders_stale_acks_and_cancellations(good: Decoded) -> None:
    acks = of_type(good, EventType.ACKNOWLEDGED)
    decisions = Counter(data(ev)["decision"] for ev in acks)
    assert set(decisions) == {"accepted", "accepted_with_changes", "rejected"}
    changed = [ln for ev in acks for ln in data(ev).get("lines", []) if ln["decision"] == "changed"]
    assert {"quantity", "unit_price", "promised_date"} <= {k for ln in changed for k in ln}
    revised = of_type(good, EventType.REVISED)
    assert revised and all(data(ev)["revision"] >= 2 for ev in revised)
    # the newest change order of each PO: (time, revision)
    newest = {ev.subject: (ev.time, data(ev)["revision"]) for ev in sorted(revised, key=when)}
    stale = [
        ev
        for ev in acks
        if ev.subject in newest
        and ev.time > newest[ev.subject][0]
        and data(ev)["revision"] < newest[ev.subject][1]
    ]
    assert stale, "no supplier answered an old revision after a change order"
    assert of_type(good, EventType.CANCELLED)


def test_duplicates_are_exact_resends(stream: list[SimEvent]) -> None:
    first: dict[tuple[str, str], SimEvent] = {}
    duplicates = 0
    for event in stream:
        if event.bad:
            continue
        assert isinstance(event.value, dict)
        identity = (event.value["source"], event.value["id"])
        if event.duplicate:
            duplicates += 1
            assert encode(first[identity]) == encode(event)
        else:
            assert identity not in first
            first[identity] = event
    assert duplicates > 0


def test_both_content_modes(stream: list[SimEvent]) -> None:
    good = [e for e in stream if e.bad is None]
    binary = [e for e in good if e.binary]
    assert 0.4 < len(binary) / len(good) < 0.6
    _, value, headers = encode(binary[0])
    names = dict(headers)
    assert names["content-type"] == b"application/json" and b"specversion" not in value
    assert {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time"} <= set(
        names
    )
    structured = next(e for e in good if not e.binary)
    assert encode(structured)[2] == [("content-type", STRUCTURED_CONTENT_TYPE.encode())]


def test_roughly_ordered_with_some_late_arrivals(good: Decoded) -> None:
    latest, late = START - timedelta(days=31), 0
    for sim, _ in good:
        late += sim.time < latest - timedelta(minutes=5)
        latest = max(latest, sim.time)
    assert 0 < late < len(good) * 0.1
    acked, delivered_after_ack = set(), 0
    for _, ev in good:
        about = (ev.subject, getattr(ev.data, "revision", 0), getattr(ev.data, "recipient", ""))
        if ev.type is EventType.ACKNOWLEDGED:
            acked.add(about)
        delivered_after_ack += ev.type is EventType.DELIVERED and about in acked
    assert delivered_after_ack > 0


def test_live_mode_keeps_event_times_near_the_publishing_pace() -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
    events = list(generate(3, 2000, now, time_mode="live", live_rate=200))
    offsets = [(e.time - now).total_seconds() for e in events]
    assert min(offsets) >= -0.001 and 5 < max(offsets) < 20  # 2000 events at 200/s: 10 s


class FakeProducer:
    """Stands in for AIOKafkaProducer: records what would have been sent."""

    instances: list["FakeProducer"] = []

    def __init__(self, **config: Any) -> None:
        self.config, self.stopped = config, False
        self.sent: list[tuple[str, bytes, bytes, Any]] = []
        FakeProducer.instances.append(self)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.stopped = True

    async def send(self, topic: str, value: bytes, *, key: bytes, headers: Any) -> Any:
        self.sent.append((topic, key, value, headers))
        future = asyncio.get_running_loop().create_future()
        future.set_result(("metadata", len(self.sent)))
        return future


async def test_publish_sends_everything_and_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulate, "AIOKafkaProducer", FakeProducer)
    events = list(generate(11, 300, START, bad_fraction=0.05))
    confirmed: list[SimEvent] = []
    counts = await publish(events, "kafka:9092", None, "t1.", lambda e, _: confirmed.append(e))
    producer = FakeProducer.instances[-1]
    assert producer.config["acks"] == "all" and producer.config["enable_idempotence"]
    assert producer.stopped and confirmed == events
    assert producer.sent == [(f"t1.{e.topic.value}", *encode(e)) for e in events]
    assert counts["sent"] == 300 and counts["good"] + counts["bad"] == 300
    assert counts["binary"] + counts["structured"] == 300 and counts["bad"] > 0


async def test_publish_paces_to_the_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulate, "AIOKafkaProducer", FakeProducer)
    loop = asyncio.get_running_loop()
    began = loop.time()
    counts = await publish(generate(1, 41, START), "kafka:9092", rate=200.0)
    assert counts["sent"] == 41 and loop.time() - began >= 0.19  # 40 gaps of 5 ms
