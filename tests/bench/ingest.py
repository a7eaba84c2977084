"""Ingest throughput: potrack vs raw consume+parse (ceiling) vs naive per-message ingest."""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from eventsourcing.persistence import Tracking

from schemas.binding import BadInput, decode
from schemas.recorded import Fact
from schemas.topics import INBOUND_TOPICS
from services.ingest.consumer import Ingest
from services.kafka import ensure_topics
from services.runtime import tune_gc
from services.settings import Settings
from services.simulate.traffic import SimEvent, generate, publish
from services.store.aggregate import PurchaseOrder
from services.store.events import EventStore, position_name


def workload(count: int) -> tuple[list[SimEvent], int]:
    events = list(generate(2026, count, datetime.now(UTC), bad_fraction=0.0))
    distinct = sum(1 for e in events if not e.duplicate and e.bad is None)
    return events, distinct


async def load_topics(bootstrap: str, events: list[SimEvent]) -> str:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    await ensure_topics(Settings(kafka_bootstrap_servers=bootstrap, topic_prefix=prefix))
    await publish(events, bootstrap, topic_prefix=prefix)
    return prefix


def _consumer(bootstrap: str, prefix: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *[f"{prefix}{t.value}" for t in INBOUND_TOPICS],
        bootstrap_servers=bootstrap,
        group_id=f"{prefix}{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=2000,
    )


async def raw_consume(bootstrap: str, prefix: str, total: int) -> float:
    """Baseline (a), the ceiling: aiokafka consume + json.loads, nothing stored."""
    consumer = _consumer(bootstrap, prefix)
    await consumer.start()
    seen, started = 0, None
    try:
        while seen < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=2000)
            started = started or time.perf_counter()
            for records in batch.values():
                for record in records:
                    json.loads(record.value)
                    seen += 1
    finally:
        await consumer.stop()
    return seen / (time.perf_counter() - (started or time.perf_counter()))


async def naive_ingest(bootstrap: str, prefix: str, store_url: str, limit: int) -> float:
    """Baseline (b), what a tutorial writes: per message load, record, save (one txn each)."""
    store = EventStore(store_url)
    consumer = _consumer(bootstrap, prefix)
    await consumer.start()
    done, started = 0, None
    try:
        while done < limit:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            started = started or time.perf_counter()
            for records in batch.values():
                for record in records:
                    if done >= limit:
                        break
                    await asyncio.to_thread(_naive_one, store, record)
                    done += 1
    finally:
        await consumer.stop()
        store.close()
    return done / (time.perf_counter() - (started or time.perf_counter()))


def _naive_one(store: EventStore, record) -> None:  # type: ignore[no-untyped-def]
    try:
        fact = Fact.from_event(decode(record.value, record.headers), recorded_at=datetime.now(UTC))
    except BadInput:
        return
    aggregate = store.get(fact.subject)
    if aggregate is None:
        aggregate = PurchaseOrder.start(fact)
    elif not aggregate.record(fact):
        return
    tracking = Tracking(position_name("naive", record.topic, record.partition), record.offset + 1)
    store.app.save(aggregate, trackings=[tracking])


async def potrack_ingest(bootstrap: str, prefix: str, store_url: str, expected: int) -> float:
    """potrack's Ingest, in-process: batched, one transaction per poll, aggregate cache."""
    settings = Settings(
        kafka_bootstrap_servers=bootstrap,
        store_url=store_url,
        topic_prefix=prefix,
        consumer_group=f"{prefix}potrack-{uuid.uuid4().hex[:6]}",
        log_level="WARNING",
    )
    tune_gc()  # as every potrack command does
    store = EventStore(store_url, cache_size=100_000)
    ingest = Ingest(settings, store)
    stop = asyncio.Event()
    task = asyncio.create_task(ingest.run(stop))
    started = None
    try:
        while ingest.recorded < expected:
            if task.done():
                task.result()
            if started is None and ingest.recorded > 0:
                started = time.perf_counter()
                first = ingest.recorded
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - (started or time.perf_counter())
    finally:
        stop.set()
        await task
        store.close()
    return (expected - first) / elapsed if elapsed > 0 else float("nan")
