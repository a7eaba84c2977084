"""Ingest: inbound topics -> event store, exactly once; bad input -> dead-letter topic.

aiokafka, not FastStream, on purpose: exactly-once here needs a seek to the positions the
store recorded on every partition assignment, and one store transaction across every
partition of a poll; FastStream's subscriber hides both (it commits per message).

Per poll batch: decode every record, publish the undecodable ones to the dead-letter
topic (and wait for the broker), then record the accepted facts AND the next offset of
every partition in one store transaction. On assignment the consumer seeks to the
stored offsets, so a crash anywhere replays at most the uncommitted batch, which the
store then recognises as duplicates of nothing (it was never written).
"""

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.structs import OffsetAndMetadata
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

from schemas.topics import INBOUND_TOPICS, Topic
from services import metrics
from services.ingest.batch import fresh, split
from services.kafka import ensure_topics, fit_dead_letter, producer, with_broker_retry
from services.logging import get_logger
from services.retry import with_retry
from services.settings import Settings
from services.store.events import EventStore

log = get_logger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class _SeekToStoredPositions(ConsumerRebalanceListener):  # type: ignore[misc,unused-ignore]  # aiokafka is untyped
    def __init__(self, ingest: "Ingest") -> None:
        self.ingest = ingest

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        pass

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.ingest.seek_to_stored(assigned)


class Ingest:
    def __init__(self, settings: Settings, store: EventStore, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.group = settings.consumer_group
        self.topics = [settings.topic(t) for t in INBOUND_TOPICS]
        self.deadletter_topic = settings.topic(Topic.DEADLETTER)
        self.consumer: AIOKafkaConsumer | None = None
        self.recorded = 0
        # The next offset this process expects per partition (sought or recorded): records
        # below it were handed out before (aiokafka can hand out a fetch twice around a
        # seek) and are skipped, so they are neither dead-lettered nor recorded twice.
        self.expected: dict[TopicPartition, int] = {}

    async def seek_to_stored(self, partitions: list[TopicPartition]) -> None:
        assert self.consumer is not None
        unrecorded = []
        for tp in partitions:
            position = await self._store_call(
                self.store.position, self.group, tp.topic, tp.partition
            )
            if position is None:
                unrecorded.append(tp)
            else:
                self.consumer.seek(tp, position)
                self.expected[tp] = position
        if unrecorded:
            # The store is the truth: a partition it never recorded is read from its start,
            # whatever Kafka's committed offset says (a new or rebuilt store re-ingests).
            # A plain seek to the first offset, not seek_to_beginning: that one is an async
            # reset which could land after records from the start were already handed out,
            # and hand them out again.
            first = await self.consumer.beginning_offsets(unrecorded)
            for tp in unrecorded:
                self.consumer.seek(tp, first[tp])
                self.expected[tp] = first[tp]
        log.info(
            "partitions assigned", partitions=[f"{tp.topic}:{tp.partition}" for tp in partitions]
        )

    async def _store_call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store call off the event loop; retry while the store is unreachable."""
        return await with_retry(
            fn.__name__,
            lambda: asyncio.to_thread(fn, *args),
            on=(OperationalError, InterfaceError),
            event="store unavailable, retrying",
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; the batch in hand is finished first."""
        await with_broker_retry("create topics", lambda: ensure_topics(self.settings))
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=self.settings.batch_max_records,
        )
        self.consumer.subscribe(self.topics, listener=_SeekToStoredPositions(self))
        dead_producer = producer(self.settings)
        await with_broker_retry("start consumer", self.consumer.start)
        await with_broker_retry("start producer", dead_producer.start)
        log.info(
            "ingest started",
            topics=self.topics,
            group=self.group,
            store=self.store.url.split("@")[-1],
        )
        try:
            while not stop.is_set():
                records = await self.consumer.getmany(
                    timeout_ms=self.settings.poll_timeout_ms,
                    max_records=self.settings.batch_max_records,
                )
                if records:
                    await self._process(records, dead_producer)
        finally:
            await self.consumer.stop()
            await dead_producer.stop()
            log.info("ingest stopped", recorded=self.recorded)

    async def _process(
        self, records: dict[TopicPartition, list[ConsumerRecord]], dead_producer: AIOKafkaProducer
    ) -> None:
        assert self.consumer is not None
        started = time.perf_counter()
        handed = sum(len(items) for items in records.values())
        records = fresh(records, self.expected)
        if (skipped := handed - sum(len(items) for items in records.values())) > 0:
            log.info("records handed out again skipped", records=skipped)
        if not records:
            return
        batch = split(records, self.clock())
        await self._dead_letter(batch.dead, dead_producer)
        try:
            result = await self._store_call(
                self.store.record, batch.facts, batch.positions, self.group
            )
        except IntegrityError as exc:
            # Another writer got there first (a rebalance, or a PO written by another
            # process): nothing of this batch was written; re-read from stored positions.
            log.warning("store conflict, re-reading batch", error=str(exc))
            await self.seek_to_stored(list(records))
            return
        self.recorded += result.new
        self.expected.update({TopicPartition(t, p): o for (t, p), o in batch.positions.items()})
        for fact in batch.facts:
            metrics.EVENTS_INGESTED.labels(type=fact.type.value).inc()
        metrics.DUPLICATES.inc(result.duplicates)
        metrics.INGEST_BATCHES.inc()
        offsets = {
            TopicPartition(t, p): OffsetAndMetadata(o, "") for (t, p), o in batch.positions.items()
        }
        try:
            await self.consumer.commit(offsets)  # an optimisation only: the store is the truth
        except Exception as exc:
            log.debug("kafka commit skipped", error=str(exc))
        log.info(
            "batch recorded",
            records=sum(len(v) for v in records.values()),
            new=result.new,
            duplicates=result.duplicates,
            dead_letters=len(batch.dead),
            partitions=sorted(f"{t}:{p}@{o}" for (t, p), o in batch.positions.items()),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )

    async def _dead_letter(
        self, dead: list[tuple[ConsumerRecord, str]], dead_producer: AIOKafkaProducer
    ) -> None:
        futures = []
        for record, reason in dead:
            value, omitted = fit_dead_letter(record.value)
            headers = [
                *list(record.headers or ()),
                ("potrack-error", reason.encode()),
                ("potrack-source-topic", record.topic.encode()),
                ("potrack-source-partition", str(record.partition).encode()),
                ("potrack-source-offset", str(record.offset).encode()),
                *omitted,
            ]
            futures.append(
                await dead_producer.send(
                    self.deadletter_topic, value=value, key=record.key, headers=headers
                )
            )
            metrics.DEAD_LETTERS.inc()
            log.warning(
                "dead letter",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                reason=reason,
            )
        if futures:
            await asyncio.gather(*futures)
