"""What potrack publishes, published once (issue 12), on the real broker: a dead letter whose
ingest process died before recording its batch; an outbox batch whose publisher died after
the broker committed it, or before; two publishers of one outbox on PostgreSQL."""

import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from projections.tables import ddl, positions
from schemas.topics import Topic
from services.ingest.consumer import Ingest
from services.kafka import ensure_topics
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB
from services.workers.outbox import OutboxPublisher
from tests.integration.kit import ce, plan, produce, structured, wait_for


class Killed(RuntimeError):
    """Stands for the process dying at that point."""


async def read_all(bootstrap: str, topic: str, quiet: float = 3.0) -> list[Any]:
    """Every committed record of `topic`, read until nothing new came for `quiet` seconds."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        isolation_level="read_committed",
    )
    await consumer.start()
    found: list[Any] = []
    last = time.monotonic()
    try:
        while time.monotonic() - last < quiet:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                found.extend(records)
                last = time.monotonic()
    finally:
        await consumer.stop()
    return found


def settings_for(bootstrap: str, url: str, prefix: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=bootstrap,
        store_url=url,
        topic_prefix=prefix,
        consumer_group=f"{prefix}ingest",
        outbox_transactional_id=f"{prefix}outbox",
    )


class StoreDyingOnce(EventStore):
    """The event store, except that the first batch's record kills the process."""

    died = False

    def record(self, *args: Any, **kwargs: Any) -> Any:
        if not StoreDyingOnce.died:
            StoreDyingOnce.died = True
            raise Killed("ingest killed after publishing the dead letters")
        return super().record(*args, **kwargs)


async def test_a_dead_letter_is_published_once_when_ingest_dies_before_recording_the_batch(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/store.sqlite"
    settings = settings_for(kafka_bootstrap, url, topic_prefix)
    inbound = settings.topic(Topic.DISTRIBUTION)
    good = structured(inbound, ce("po.approved", "PO-1", plan(), "a1"))
    await produce(kafka_bootstrap, [(inbound, b"PO-1", b"not json", []), good])
    await produce(kafka_bootstrap, [(inbound, b"PO-1", b"{}", [])])

    dying = StoreDyingOnce(url)
    with pytest.raises(Killed):
        await Ingest(settings, dying).run(asyncio.Event())
    dying.close()

    store, stop = EventStore(url), asyncio.Event()
    again = asyncio.create_task(Ingest(settings, store).run(stop))
    await asyncio.to_thread(wait_for, lambda: store.get("PO-1") is not None, what="PO-1")
    stop.set()
    await again
    store.close()

    dead = await read_all(kafka_bootstrap, settings.topic(Topic.DEADLETTER))
    sources = Counter(dict(r.headers)["potrack-source-offset"] for r in dead)
    assert len(sources) == 2
    assert set(sources.values()) == {1}


def queue(db: ViewDB, first: int, count: int) -> None:
    with db.transaction() as tx:
        positions.enqueue(
            tx,
            [
                (Topic.STATUS, f"PO-{i}", "po.status.v1", {"n": i})
                for i in range(first, first + count)
            ],
        )


def queued(db: ViewDB) -> int:
    with db.read() as tx:
        return positions.queued_count(tx)


def published_numbers(records: list[Any]) -> Counter[int]:
    return Counter(json.loads(r.value)["data"]["n"] for r in records)


@pytest.mark.parametrize("dies", ["after the broker committed", "before the broker committed"])
async def test_an_outbox_batch_is_published_once_when_its_publisher_dies(
    dies: str, kafka_bootstrap: str, topic_prefix: str, postgres_url: str
) -> None:
    settings = settings_for(kafka_bootstrap, postgres_url, topic_prefix)
    db = ViewDB(postgres_url)
    with db.transaction() as tx:
        ddl.create_all(tx, True)
    queue(db, 0, 50)

    class Dying(OutboxPublisher):
        async def _send(self, kafka: Any, rows: list[dict[str, Any]], number: int) -> None:
            if dies == "before the broker committed":
                async with kafka.transaction():
                    for row in rows[:10]:
                        await kafka.send(self.settings.topic(row["topic"]), b"{}", key=b"x")
                    raise Killed("publisher killed inside its transaction")
            await super()._send(kafka, rows, number)
            raise Killed("publisher killed before deleting what it published")

    with pytest.raises(Killed):
        await Dying(settings, db).run(asyncio.Event())
    assert queued(db) == 50  # nothing was deleted

    stop = asyncio.Event()
    task = asyncio.create_task(OutboxPublisher(settings, db).run(stop, poll_seconds=0.05))
    await asyncio.to_thread(wait_for, lambda: queued(db) == 0, what="outbox drained")
    stop.set()
    await task
    db.close()

    records = await read_all(kafka_bootstrap, settings.topic(Topic.STATUS))
    assert published_numbers(records) == Counter(range(50))


async def test_two_publishers_of_one_outbox_send_each_record_once(
    kafka_bootstrap: str, topic_prefix: str, postgres_url: str
) -> None:
    settings = settings_for(kafka_bootstrap, postgres_url, topic_prefix)
    dbs = [ViewDB(postgres_url) for _ in range(3)]
    with dbs[0].transaction() as tx:
        ddl.create_all(tx, True)
    stop = asyncio.Event()
    publishers = [OutboxPublisher(settings, db, batch=7) for db in dbs[1:]]
    tasks = [asyncio.create_task(p.run(stop, poll_seconds=0.01)) for p in publishers]
    for first in range(0, 300, 30):  # queued while both run, a batch at a time
        await asyncio.to_thread(queue, dbs[0], first, 30)
        await asyncio.sleep(0.05)
    await asyncio.to_thread(wait_for, lambda: queued(dbs[0]) == 0, what="outbox drained")
    stop.set()
    await asyncio.gather(*tasks)
    for db in dbs:
        db.close()

    records = await read_all(kafka_bootstrap, settings.topic(Topic.STATUS))
    assert published_numbers(records) == Counter(range(300))
    assert sorted(p.published for p in publishers) == [0, 300]  # one of them led


async def test_the_gateway_reading_a_batch_again_dead_letters_its_bad_documents_once(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    from services.gateway.partners import load_partners
    from services.gateway.service import Gateway
    from tests.integration.kit import consume

    url = f"sqlite:///{tmp_path}/views.sqlite"
    settings = settings_for(kafka_bootstrap, url, topic_prefix)
    await ensure_topics(settings)
    documents = settings.topic(Topic.DOCUMENTS)
    await produce(kafka_bootstrap, [(documents, b"k", b"ISA*garbage", []) for _ in range(3)])
    records = await consume(kafka_bootstrap, documents, 3)
    db = ViewDB(url)
    db.ensure_tables()
    gateway = Gateway(settings, db, load_partners(None))
    await gateway.dead_letters.start()
    try:
        first = await gateway.handle(records)
        again = await gateway.handle(records)  # the batch read again after a crash
        fresh = Gateway(settings, db, load_partners(None))  # another process takes over
        await fresh.dead_letters.start()
        try:
            third = await fresh.handle(records)
        finally:
            await fresh.dead_letters.stop()
    finally:
        await gateway.dead_letters.stop()
        db.close()

    assert (first.dead, again.dead, third.dead) == (3, 0, 0)
    dead = await read_all(kafka_bootstrap, settings.topic(Topic.DEADLETTER))
    assert sorted(int(dict(r.headers)["potrack-source-offset"]) for r in dead) == [0, 1, 2]
