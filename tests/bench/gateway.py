"""Gateway throughput: X12 997s from po.documents.v1 to the inbound topics, next to a raw
consume of the same topic (the ceiling) and to translation alone (no Kafka)."""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from projections.correlation import SentMessage
from projections.tables import sent
from schemas.topics import Topic
from services.gateway.lookup import SentLookup
from services.gateway.partners import parse_partners
from services.gateway.service import Gateway, Outcome
from services.gateway.translate import Incoming, translate
from services.kafka import ensure_topics
from services.logging import configure
from services.settings import Settings
from services.simulate.b2b import x12
from services.store.views import ViewDB

PARTNERS = parse_partners(
    '[partners.KOBE]\nsupplier = "SUP-1"\nrecipient = "sup"\nx12 = ["ZZ:KOBESEIMITSU"]\n',
    "bench",
)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def documents(count: int) -> list[bytes]:
    """`count` one-set 997s, each in its own interchange, answering `<group>.0001`."""
    out = []
    for n in range(count):
        at = (T0 + timedelta(seconds=n)).replace(tzinfo=None)
        env = x12.Envelope("ZZ:KOBESEIMITSU", "ZZ:BUYERCO", 100_000 + n, 100_000 + n, at)
        out.append(x12.functional_ack(env, str(1_000_000 + n), [x12.SetAck("0001", "A")]))
    return out


def views_with_sends(directory: Path, count: int) -> str:
    url = f"sqlite:///{directory}/gateway-{uuid.uuid4().hex[:6]}.sqlite"
    db = ViewDB(url)
    db.ensure_tables()
    with db.transaction() as tx:
        sent.add(
            tx,
            [
                SentMessage(f"{1_000_000 + n}.0001", f"PO-{n:06d}", 1, "sup", "edi", T0)
                for n in range(count)
            ],
        )
    db.close()
    return url


async def load(bootstrap: str, docs: list[bytes]) -> str:
    prefix = f"benchgw{uuid.uuid4().hex[:8]}."
    await ensure_topics(Settings(kafka_bootstrap_servers=bootstrap, topic_prefix=prefix))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, acks="all")
    await producer.start()
    try:
        topic = f"{prefix}{Topic.DOCUMENTS.value}"
        headers = [("content-type", b"application/edi-x12")]
        futures = [await producer.send(topic, d, key=b"k", headers=headers) for d in docs]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return prefix


async def raw_consume(bootstrap: str, prefix: str, total: int) -> float:
    """The ceiling: aiokafka consume of po.documents.v1, nothing else, documents/s."""
    consumer = AIOKafkaConsumer(
        f"{prefix}{Topic.DOCUMENTS.value}",
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )
    await consumer.start()
    seen, started = 0, None
    try:
        while seen < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            started = started or time.perf_counter()
            seen += sum(len(records) for records in batch.values())
    finally:
        await consumer.stop()
    return seen / (time.perf_counter() - (started or time.perf_counter()))


def translate_only(url: str, docs: list[bytes]) -> float:
    """Translation alone (read + correlate + build the events), documents/s."""
    db = ViewDB(url)
    try:
        with db.read() as tx:
            lookup = SentLookup(tx)
            started = time.perf_counter()
            for body in docs:
                translate(Incoming(body, "application/edi-x12"), PARTNERS, lookup)
            return len(docs) / (time.perf_counter() - started)
    finally:
        db.close()


async def gateway_rate(bootstrap: str, prefix: str, url: str, total: int) -> float:
    """The real gateway (FastStream subscriber, translation, publishing, offset commits)
    from the first batch to the last event acknowledged by the broker, documents/s."""
    settings = Settings(
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        store_url=url,
        gateway_group=f"{prefix}gateway",
    )
    configure("INFO", "json")  # as `potrack gateway` runs: debug lines filtered out
    db = ViewDB(url)
    gateway = Gateway(settings, db, PARTNERS)
    done = asyncio.Event()
    seen = {"documents": 0, "started": 0.0}
    handle = gateway.handle

    async def counting(records: list[Any]) -> Outcome:
        seen["started"] = seen["started"] or time.perf_counter()
        outcome = await handle(records)
        seen["documents"] += len(records)
        if seen["documents"] >= total:
            done.set()
        return outcome

    gateway.handle = counting  # type: ignore[method-assign]
    stop = asyncio.Event()
    running = asyncio.create_task(gateway.run(stop))
    await asyncio.wait_for(done.wait(), 600)
    elapsed = time.perf_counter() - seen["started"]
    stop.set()
    await running
    db.close()
    return total / elapsed
