"""Projection benchmarks: status and alerts rebuild rates vs raw store reads;
produce-to-status latency."""

import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from projections.runner import Runner
from projections.sla import SlaPolicy
from projections.tables import instant_text
from projections.views.alerts import AlertsProjection
from projections.views.status import StatusProjection
from schemas.topics import Topic
from services.ingest.consumer import Ingest
from services.kafka import ensure_topics
from services.runtime import tune_gc
from services.settings import Settings
from services.simulate.traffic import encode, generate
from services.store.events import EventStore
from services.store.views import ViewDB
from services.workers.outbox import OutboxPublisher
from services.workers.projection_loop import run_projections


def raw_read_rate(store_url: str) -> tuple[float, float]:
    """Events/s of (select only, select + decode to facts) over the whole notification log."""
    store = EventStore(store_url)
    try:
        started, after, rows = time.perf_counter(), 0, 0
        while chunk := store.notifications(after, 2000):
            rows += len(chunk)
            after = chunk[-1].id
        select = rows / (time.perf_counter() - started)
        started = time.perf_counter()
        decoded = sum(1 for _ in store.iter_facts(batch=2000))
        return select, decoded / (time.perf_counter() - started)
    finally:
        store.close()


def in_fresh_process(function: str, store_url: str, module: str = __name__) -> object:
    """Run `function(store_url)` of this module in a new interpreter, as `potrack replay` runs:
    the benchmark's own heap (50k simulated events) would otherwise slow the garbage
    collector and understate the figure."""
    code = f"import json, {module} as m; print(json.dumps(m.{function}({store_url!r})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def status_rebuild_rate(store_url: str) -> float:
    return _rebuild_rate(store_url, StatusProjection())


def alerts_rebuild_rate(store_url: str) -> float:
    return _rebuild_rate(store_url, AlertsProjection(SlaPolicy()))


def _rebuild_rate(store_url: str, projection: StatusProjection | AlertsProjection) -> float:
    tune_gc()  # as every potrack command does
    store, db = EventStore(store_url), ViewDB(store_url)
    try:
        runner = Runner(projection, store, db, batch=2000)
        started = time.perf_counter()
        applied = runner.rebuild()
        return applied / (time.perf_counter() - started)
    finally:
        db.close()
        store.close()


def live_watermarks(store_url: str, every: int) -> int:
    """Replace the store's watermarks with those of a live run: one every `every`
    notifications, at the newest event time recorded so far (as if ingest had kept up and
    recorded one per clock period: 20 events/s and a 2 s period give one per 40). A store
    back-filled at once has a single watermark at its end, which flatters the alerts
    rebuild; this is the harder case. Returns how many were written."""
    store, db = EventStore(store_url), ViewDB(store_url)
    try:
        rows: list[tuple[int, int, str]] = []
        newest = None
        for position, fact in store.iter_facts():
            moment = min(fact.time, fact.recorded_at)
            newest = moment if newest is None or moment > newest else newest
            if position % every == 0:
                rows.append((len(rows) + 1, position, instant_text(newest)))
        with db.transaction() as tx:
            tx.execute("DELETE FROM ingest_watermarks")
            tx.executemany(
                "INSERT INTO ingest_watermarks (seq, position, at) VALUES (?, ?, ?)", rows
            )
        return len(rows)
    finally:
        db.close()
        store.close()


async def end_to_end_latency(
    bootstrap: str, store_url: str, rate: float, seconds: float, prefix: str | None = None
) -> dict[str, float]:
    """Offer `rate` events/s; measure produce -> po.status.v1 record reflecting the event.
    Its topics are named with `prefix` (a new one when None)."""
    prefix = prefix or f"lat{uuid.uuid4().hex[:8]}."
    settings = Settings(
        kafka_bootstrap_servers=bootstrap,
        store_url=store_url,
        topic_prefix=prefix,
        consumer_group=f"{prefix}ingest",
        poll_timeout_ms=100,
        projection_poll_seconds=0.02,
        log_level="WARNING",
    )
    await ensure_topics(settings)
    count = int(rate * seconds)
    events = [
        e
        for e in generate(99, count, datetime.now(UTC), bad_fraction=0, duplicate_fraction=0)
        if e.bad is None
    ]
    store, db = EventStore(store_url, cache_size=100_000), ViewDB(store_url)
    stop = asyncio.Event()
    runner = Runner(StatusProjection(), store, db, batch=2000)
    tasks = [
        asyncio.create_task(Ingest(settings, store).run(stop)),
        asyncio.create_task(run_projections([runner], stop, settings.projection_poll_seconds)),
        asyncio.create_task(OutboxPublisher(settings, db).run(stop, poll_seconds=0.02)),
    ]
    consumer = AIOKafkaConsumer(
        f"{prefix}{Topic.STATUS}", bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    sent: dict[str, list[float]] = defaultdict(list)
    latencies: list[float] = []
    seen: dict[str, int] = defaultdict(int)

    async def collect() -> None:
        while len(latencies) < len(events) and not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    view = json.loads(record.value)["data"]
                    po, version = view["po_number"], view["version"]
                    for k in range(seen[po], min(version, len(sent[po]))):
                        latencies.append(now - sent[po][k])
                    seen[po] = max(seen[po], version)

    collector = asyncio.create_task(collect())
    await asyncio.sleep(3)  # consumer groups joined before the clock starts
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1, acks="all")
    await producer.start()
    began = time.perf_counter()
    for n, event in enumerate(events):
        wait = began + n / rate - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        key, value, headers = encode(event)
        sent[event.key].append(time.perf_counter())
        await producer.send(f"{prefix}{event.topic.value}", value, key=key, headers=headers)
    await producer.flush()
    try:
        await asyncio.wait_for(collector, timeout=120)
    finally:
        stop.set()
        await producer.stop()
        await consumer.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        db.close()
        store.close()
    ordered = sorted(latencies)
    return {
        "offered": rate,
        "events": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(0.99 * (len(ordered) - 1))] * 1000,
    }
