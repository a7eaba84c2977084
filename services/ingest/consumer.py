"""Ingest: inbound topics -> event store, exactly once; bad input -> dead-letter topic.

aiokafka, not FastStream, on purpose: exactly-once here needs a seek to the positions the
store recorded on every partition assignment, and one store transaction across every
partition of a poll; FastStream's subscriber hides both (it commits per message).

Per poll batch: decode every record, publish the undecodable ones to the dead-letter
topic, then record the accepted facts AND the next offset of every partition in one store
transaction. On assignment the consumer seeks to the stored offsets, so a crash anywhere
replays at most the uncommitted batch, which the store then recognises as duplicates of
nothing (it was never written).

Dead letters are published once (`services.deadletters`: one Kafka transaction with the
offsets past them, for the group `<POTRACK_CONSUMER_GROUP>.deadletters`); a batch read
again after a crash or a rebalance skips the records whose dead letters are on the topic.

Every clock period (POTRACK_ALERT_CLOCK_SECONDS) ingest also records the ingest watermark
(docs/contract.md §5, `services.ingest.watermark`): the moment up to which it holds every
record that was on the inbound topics, which the alerts projection judges deadlines at.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

from projections.tables import Database, ddl, watermarks
from schemas.topics import INBOUND_TOPICS, Topic
from services import metrics
from services.deadletters import DeadLetters
from services.heartbeat import work_level
from services.ingest.batch import fresh, split
from services.ingest.watermark import CatchUp
from services.kafka import admin, consumer, ensure_topics, start_client, with_broker_retry
from services.logging import get_logger
from services.retry import with_retry
from services.runtime import Stopped
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB

log = get_logger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class _SeekToStoredPositions(ConsumerRebalanceListener):  # type: ignore[misc,unused-ignore]  # aiokafka is untyped
    def __init__(self, ingest: "Ingest") -> None:
        self.ingest = ingest

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # The batch in hand is finished first: its dead-letter transaction must not commit
        # after the next owner of a partition read how far dead letters were published.
        async with self.ingest.busy:
            self.ingest.catch_up.forget(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        with contextlib.suppress(Stopped):  # stopping: the loop ends, nothing is read
            await self.ingest.seek_to_stored(assigned)


class Ingest:
    def __init__(
        self,
        settings: Settings,
        store: EventStore,
        clock: Clock = utcnow,
        db: Database | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        # Where the watermark goes: the views database (the store's own, by default).
        self.db = db
        self.catch_up = CatchUp()
        self.last_checkpoint = float("-inf")  # time.monotonic() of the last checkpoint
        self.watermark: watermarks.Watermark | None = None
        self.group = settings.consumer_group
        self.topics = [settings.topic(t) for t in INBOUND_TOPICS]
        self.dead_letters = DeadLetters(settings, self.group)
        self.busy = asyncio.Lock()  # held while a batch is processed
        self.documents_topic = settings.topic(Topic.DOCUMENTS)
        self.admin: AIOKafkaAdminClient | None = None
        # A consumer of no topic, in no group: asks for po.documents.v1's offsets. The group
        # consumer is not subscribed to it, so each such question made it refresh its
        # metadata, which held the poll loop up to a second per clock period.
        self.offsets: AIOKafkaConsumer | None = None
        self.consumer: AIOKafkaConsumer | None = None
        self.recorded = 0
        # The next offset this process expects per partition (sought or recorded): records
        # below it were handed out before (aiokafka can hand out a fetch twice around a
        # seek) and are skipped, so they are neither dead-lettered nor recorded twice.
        self.expected: dict[TopicPartition, int] = {}

    async def seek_to_stored(self, partitions: list[TopicPartition]) -> None:
        assert self.consumer is not None
        # Before any seek: a batch of these partitions may be handed out while this runs,
        # and its dead letters must wait for how far they were published to be read.
        self.dead_letters.forget(partitions)
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
        """Consume until `stop` is set; the batch in hand is finished first. While the
        broker or the store is away it retries (`services.retry`) until they answer or the
        process stops (`services.runtime.Stopped`, after closing what it started)."""
        await with_broker_retry("create topics", lambda: ensure_topics(self.settings))
        self.consumer = consumer(
            self.settings,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=self.settings.batch_max_records,
            # Partition k of every inbound topic to one process: the records of one PO (keyed
            # by PO number) then stay in one process, and two processes never race to
            # append to its stream (a conflict and a re-read each time).
            # Range alone: listing round-robin (aiokafka's default) second, for a rolling
            # upgrade, made the group rebalance every few seconds without end after a
            # SIGKILL in `make chaos`. An upgrade from a release before this one stops every
            # ingest process first (a new one meeting an old one exits with
            # InconsistentGroupProtocolError).
            partition_assignment_strategy=(RangePartitionAssignor,),
        )
        self.consumer.subscribe(self.topics, listener=_SeekToStoredPositions(self))
        self.admin = admin(self.settings)
        self.offsets = consumer(self.settings, enable_auto_commit=False)
        try:
            consumer_, admin_ = self.consumer, self.admin
            await with_broker_retry(
                "start consumer", lambda: start_client(self.settings, consumer_)
            )
            await with_broker_retry(
                "start admin client", lambda: start_client(self.settings, admin_)
            )
            offsets_ = self.offsets
            await with_broker_retry(
                "start offsets client", lambda: start_client(self.settings, offsets_)
            )
            await self.dead_letters.start()
        except BaseException:  # Stopped while the broker is away, or cancelled
            await self._stop_clients()
            raise
        log.info(
            "ingest started",
            topics=self.topics,
            group=self.group,
            store=self.store.url.split("@")[-1],
        )
        own_db = self.db is None
        try:
            if self.db is None:
                self.db = await self._store_call(ViewDB, self.store.url)
            await self._store_call(self._create_tables)
            while not stop.is_set():
                # Idle, wake up for the next checkpoint rather than a whole poll later.
                due = self.last_checkpoint + self.settings.alert_clock_seconds - time.monotonic()
                wait_ms = min(float(self.settings.poll_timeout_ms), max(1.0, due * 1000))
                records = await self.consumer.getmany(
                    timeout_ms=int(wait_ms),
                    max_records=self.settings.batch_max_records,
                )
                if records:
                    async with self.busy:
                        await self._process(records)
                await self._record_watermark()
        finally:
            await self._stop_clients()
            if own_db and isinstance(self.db, ViewDB):
                self.db.close()
            log.info("ingest stopped", recorded=self.recorded)

    async def _stop_clients(self) -> None:
        """Stop the consumer, the dead-letter producer and the admin client (each safe to
        stop when it never started)."""
        assert self.consumer is not None and self.admin is not None
        await self.consumer.stop()
        await self.dead_letters.stop()
        await self.admin.close()
        if self.offsets is not None:
            await self.offsets.stop()

    async def _process(self, records: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        assert self.consumer is not None
        started = time.perf_counter()
        handed = sum(len(items) for items in records.values())
        records = fresh(records, self.expected)
        if (skipped := handed - sum(len(items) for items in records.values())) > 0:
            log.info("records handed out again skipped", records=skipped)
        if not records:
            return
        batch = split(records, self.clock())
        try:
            published = await self.dead_letters.publish(batch.dead)
        except KafkaError as exc:
            log.warning("dead letters not published, reading the batch again", error=str(exc))
            await self.seek_to_stored(list(records))
            return
        for record, reason in published:
            metrics.DEAD_LETTERS.inc()
            log.warning(
                "dead letter",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                reason=reason,
            )
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
        seconds = time.perf_counter() - started
        log.log(
            work_level(handed, seconds),  # routine batches: DEBUG, counted in the summary
            "batch recorded",
            records=sum(len(v) for v in records.values()),
            new=result.new,
            duplicates=result.duplicates,
            dead_letters=len(batch.dead),
            partitions=sorted(f"{t}:{p}@{o}" for (t, p), o in batch.positions.items()),
            ms=round(seconds * 1000, 1),
        )

    async def _record_watermark(self) -> None:
        """Once per clock period: a checkpoint of the assigned partitions' end offsets, then
        the partitions whose recorded positions reached one are caught up and the
        watermark moves (`projections.tables.watermarks.record`). A failure is logged and
        the next period tries again: a late watermark only delays alerts."""
        assert self.consumer is not None
        if time.monotonic() - self.last_checkpoint < self.settings.alert_clock_seconds:
            return
        self.last_checkpoint = time.monotonic()
        assigned = list(self.consumer.assignment())
        if not assigned:
            return
        try:
            # The gateway's claims first (committed before `at`), then the time, then the
            # end offsets: whatever was appended before `at` lies below them.
            claims = await self._store_call(self._documents_claims)
            at = self.clock()
            ends = await self.consumer.end_offsets(assigned)
            metrics.INGEST_LAG.set(
                sum(max(0, e - self.expected.get(tp, e)) for tp, e in ends.items())
            )
            documents = await self._documents_floor(claims)
            if documents is False:
                return  # documents wait on po.documents.v1 that no gateway has claimed
            if isinstance(documents, datetime):
                at = min(at, documents)
            self.catch_up.checkpoint(at, ends)
            reached = self.catch_up.reached(self.expected)
            if not reached:
                return
            known = {topic: self.consumer.partitions_for_topic(topic) for topic in self.topics}
            if not all(known.values()):
                return  # a topic whose partitions are unknown yet: nothing can be claimed
            every = {(topic, p) for topic, partitions in known.items() for p in partitions}
            caught_up = {(tp.topic, tp.partition): t for tp, t in reached.items()}
            mark = await self._store_call(self._write_watermark, caught_up, every)
        except Stopped:
            return  # the process is stopping: the next one records it
        except Exception as exc:
            log.warning("watermark not recorded", error=str(exc))
            return
        if mark is not None:
            self.watermark = mark
            metrics.WATERMARK.set(mark.at.timestamp())

    def _documents_claims(self) -> dict[int, datetime]:
        assert self.db is not None
        with self.db.read() as tx:
            return watermarks.claims(tx, self.documents_topic)

    async def _documents_floor(self, claims: dict[int, datetime]) -> datetime | bool | None:
        """What documents still on po.documents.v1 allow the checkpoint (contract §5: the
        events of a document reach the inbound topics only through the gateway): the least
        gateway claim over the partitions that hold documents; None when none holds any
        (no B2B traffic: nothing to wait for); False when one holds documents that no
        gateway has claimed yet (`services.gateway.watermark`)."""
        assert self.consumer is not None and self.admin is not None
        described = await self.admin.describe_topics([self.documents_topic])
        tps = [
            TopicPartition(self.documents_topic, p["partition"])
            for p in described[0].get("partitions", ())
        ]
        if not tps:
            return None
        assert self.offsets is not None
        ends = await self.offsets.end_offsets(tps)
        first = await self.offsets.beginning_offsets(tps)
        holding = [tp.partition for tp in tps if ends[tp] > first[tp]]
        if any(p not in claims for p in holding):
            return False
        return min((claims[p] for p in holding), default=None)

    def _create_tables(self) -> None:
        assert self.db is not None
        with self.db.transaction() as tx:
            ddl.create_all(tx, self.db.postgres)

    def _write_watermark(
        self, caught_up: dict[watermarks.Partition, datetime], every: set[watermarks.Partition]
    ) -> watermarks.Watermark | None:
        assert self.db is not None
        with self.db.transaction() as tx:
            return watermarks.record(tx, caught_up, every, self.store.max_notification_id)
