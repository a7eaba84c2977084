"""Dead letters published once (docs/contract.md §4), for ingest and the B2B gateway.

A dead letter is the original record, unchanged, on po.deadletter.v1 with the headers
`potrack-error` (the reason) and `potrack-source-topic`/`-partition`/`-offset`. The dead
letters of a batch go out in one Kafka transaction together with, per source partition,
the offset past the last of them, committed for the consumer group
`<the reader's group>.deadletters` (a group that consumes nothing: the broker only keeps
its offsets). Whoever reads the batch again (after a crash, a retry, a rebalance) first
reads those offsets (`refresh`) and skips the records below them: their dead letters are
on the topic already. A process killed inside the transaction leaves it open until the
broker aborts it (TRANSACTION_TIMEOUT_MS); read_committed consumers never see its
records, and the next reader publishes them.

Each process has a transactional id of its own: partitions move between processes, so no
id could name "the previous owner" of a partition. The reader must not publish a batch of
a partition after another process took it over (ingest finishes its batch before giving a
partition up).
"""

import asyncio
import uuid
from typing import Any, TypeAlias

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from schemas.topics import Topic
from services.kafka import admin, fit_dead_letter, producer, start_client, with_broker_retry
from services.logging import get_logger
from services.settings import Settings

log = get_logger(__name__)
# How long the broker keeps a dead-letter transaction of a killed process open before it
# aborts it (read_committed consumers of those partitions wait that long at most).
TRANSACTION_TIMEOUT_MS = 15_000
VISIBLE_TRIES = 40  # looks at the committed offsets after a commit, 50 ms apart
DeadRecord: TypeAlias = ConsumerRecord[Any, Any]


def dead_letter(record: DeadRecord, reason: str) -> tuple[bytes | None, list[tuple[str, bytes]]]:
    """Pure: the value and headers of the dead letter of `record` (contract §4): its
    headers, those of a value cut to fit (`fit_dead_letter`) and potrack's own."""
    value, omitted = fit_dead_letter(record.value)
    headers = [
        *list(record.headers or ()),
        ("potrack-error", reason.encode()),
        ("potrack-source-topic", record.topic.encode()),
        ("potrack-source-partition", str(record.partition).encode()),
        ("potrack-source-offset", str(record.offset).encode()),
        *omitted,
    ]
    return value, headers


def _tp(record: DeadRecord) -> TopicPartition:
    return TopicPartition(record.topic, record.partition)


class DeadLetters:
    """The once-only dead-letter publisher of one reader (see the module docstring).
    `start` and `stop` it with the reader; `publish` raises aiokafka's KafkaError when the
    broker failed the transaction (nothing of it is visible; the producer is replaced)."""

    def __init__(self, settings: Settings, reader_group: str) -> None:
        self.settings = settings
        self.topic = settings.topic(Topic.DEADLETTER)
        self.group = f"{reader_group}.deadletters"
        # The next offset per source partition whose record has no dead letter yet, and the
        # partitions for which it was read since they were (re)assigned (`forget`).
        self.published: dict[TopicPartition, int] = {}
        self.read: set[TopicPartition] = set()
        self._producer: AIOKafkaProducer | None = None

    def _new_producer(self) -> AIOKafkaProducer:
        return producer(
            self.settings,
            transactional_id=f"{self.group}.{uuid.uuid4().hex[:12]}",
            transaction_timeout_ms=TRANSACTION_TIMEOUT_MS,
        )

    async def start(self) -> None:
        """Start the transactional producer, retrying while the broker is away."""
        self._producer = self._new_producer()
        await self._start()

    async def _start(self) -> None:
        producer_ = self._producer
        assert producer_ is not None
        await with_broker_retry(
            "start the dead-letter producer", lambda: start_client(self.settings, producer_)
        )

    async def stop(self) -> None:
        """Stop the producer (safe when it never started)."""
        if self._producer is not None:
            await self._producer.stop()

    def forget(self, partitions: list[TopicPartition]) -> None:
        """These partitions were (re)assigned: read how far their dead letters were
        published again before the next publish (another process may have published)."""
        self.read.difference_update(partitions)

    async def refresh(self, partitions: list[TopicPartition]) -> None:
        """Read how far the dead letters of these partitions were published."""
        client = admin(self.settings)
        try:
            await with_broker_retry(
                "read dead-letter offsets", lambda: start_client(self.settings, client)
            )
            found = await client.list_consumer_group_offsets(self.group, partitions=partitions)
        finally:
            await client.close()
        for tp in partitions:
            mark = found.get(tp)
            if mark is not None and mark.offset >= 0:
                # What this process published itself stays published, even before the
                # broker shows its commit (it writes the markers just after).
                self.published[tp] = max(int(mark.offset), self.published.get(tp, 0))
        self.read.update(partitions)

    async def publish(self, dead: list[tuple[DeadRecord, str]]) -> list[tuple[DeadRecord, str]]:
        """Publish the dead letters not on the topic yet, in one transaction with the
        offsets past them; the ones published now (the rest were before)."""
        assert self._producer is not None, "start() first"
        if unread := sorted({_tp(r) for r, _ in dead} - self.read):
            await self.refresh(unread)
        fresh = [(r, why) for r, why in dead if r.offset >= self.published.get(_tp(r), 0)]
        if len(fresh) < len(dead):
            log.info("dead letters published before skipped", records=len(dead) - len(fresh))
        if not fresh:
            return []
        past: dict[TopicPartition, int] = {}
        for record, _ in fresh:
            past[_tp(record)] = max(past.get(_tp(record), 0), record.offset + 1)
        try:
            async with self._producer.transaction():
                for record, reason in fresh:
                    value, headers = dead_letter(record, reason)
                    await self._producer.send(
                        self.topic, value=value, key=record.key, headers=headers
                    )
                await self._producer.send_offsets_to_transaction(past, self.group)
        except KafkaError:
            await self._producer.stop()
            self._producer = self._new_producer()
            await self._start()
            raise
        self.published.update(past)
        await self._until_visible(past)
        return fresh

    async def _until_visible(self, past: dict[TopicPartition, int]) -> None:
        """Wait (a few tries, VISIBLE_TRIES) until the broker shows the offsets just
        committed: the transaction's markers are written just after the commit returns,
        and the process that takes a partition over must read them. Best effort: after
        the tries it goes on (the window left is that of the marker write)."""
        client = admin(self.settings)
        try:
            await start_client(self.settings, client)
            for _ in range(VISIBLE_TRIES):
                found = await client.list_consumer_group_offsets(self.group, partitions=list(past))
                if all(found.get(tp) and found[tp].offset >= o for tp, o in past.items()):
                    return
                await asyncio.sleep(0.05)
            log.warning("dead-letter offsets not visible yet", group=self.group)
        finally:
            await client.close()
