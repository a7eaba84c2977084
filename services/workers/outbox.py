"""Outbox publisher: sends queued outbound records to Kafka, each exactly once.

Records are queued in the projection's transaction (`projections.tables.positions`). One
publisher at a time drains them (`services.workers.leader`), through a Kafka
transactional producer whose transactional id (POTRACK_TOPIC_PREFIX followed by
POTRACK_OUTBOX_TRANSACTIONAL_ID) is the same in every process: a publisher that starts
fences the one before it, and the broker aborts whatever that one left open. Each batch
is a claim numbered one past the last one published:

1. the claim (its number and the outbox ids) is written to the views database;
2. in one Kafka transaction: the records, and the claim number as the committed offset of
   the consumer group named like the transactional id (partition 0 of po.status.v1; the
   group consumes nothing, the offset is only a counter kept by the broker);
3. the claimed records are deleted.

A publisher that starts reads the last committed claim number from the broker and settles
the claims it finds: at or below it, published (delete the records); above it, not
published (they stay queued and are sent again). So a crash between any two steps neither
loses a record nor publishes it twice on a read_committed consumer. Event ids are
derived from the content, so a record sent again after a rebuild carries the same
CloudEvents id.
"""

import asyncio
import hashlib
import json
from datetime import datetime
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from cloudevents.core.bindings.kafka import to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from projections.tables import positions
from schemas.topics import Topic
from services.kafka import (
    KafkaAccessDenied,
    admin,
    ensure_topics,
    producer,
    start_client,
    with_broker_retry,
)
from services.logging import get_logger
from services.retry import backoff
from services.runtime import Stopped, idle
from services.settings import Settings
from services.store.views import ViewDB
from services.workers.leader import Leadership

log = get_logger(__name__)
SOURCE = "urn:potrack"  # docs/contract.md §1: the source of every outbound record
_FORMAT = JSONFormat()
FOLLOWER_POLL = 2.0  # seconds between two tries of a process that does not lead
# A publisher killed inside a transaction leaves it open: read_committed consumers of the
# partitions it wrote wait until the next publisher fences it, or this long at most.
TRANSACTION_TIMEOUT_MS = 30_000


class LostLeadership(RuntimeError):
    """The connection that held the outbox lock is gone: another process may lead now."""


def encode(
    key: str, type_: str, payload: dict[str, Any], created_at: str
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Pure: a structured-mode CloudEvent record (key, value, headers)."""
    digest = hashlib.sha256(
        json.dumps([type_, key, payload], sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()[:32]
    event = CloudEvent(
        attributes={
            "specversion": "1.0",
            "id": digest,
            "source": SOURCE,
            "type": type_,
            "subject": key,
            "time": datetime.fromisoformat(created_at),
            "datacontenttype": "application/json",
        },
        data=payload,
    )
    message = to_structured(event, _FORMAT, key_mapper=lambda _: key)
    return key.encode(), message.value, [(k, v) for k, v in message.headers.items()]


class OutboxPublisher:
    """Sends queued outbox records in id order, one Kafka transaction per batch, while this
    process leads (see the module docstring)."""

    def __init__(self, settings: Settings, db: ViewDB, batch: int = 1000) -> None:
        self.settings = settings
        self.db = db
        self.batch = batch
        self.published = 0
        # Prefixed like the topics: deployments that share a broker never fence each other.
        self.group = settings.topic(settings.outbox_transactional_id)
        self.progress = TopicPartition(settings.topic(Topic.STATUS), 0)
        self.leadership = Leadership(db.url, f"outbox:{self.group}")

    def _pending(self) -> list[dict[str, Any]]:
        with self.db.read() as tx:
            return positions.queued(tx, self.batch)

    def _claim(self, number: int, ids: list[int]) -> None:
        with self.db.transaction() as tx:
            positions.claim(tx, number, ids)

    def _settle(self, published: int) -> int:
        with self.db.transaction() as tx:
            return positions.settle(tx, published)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.1) -> None:
        """Publish until `stop`; the batch in hand is sent first. While the broker or the
        database is away, or another process leads, it waits and tries again; it returns
        when `stop` is set (nothing taken from the outbox is lost)."""
        failures = 0
        try:
            await with_broker_retry("create topics", lambda: ensure_topics(self.settings))
            while not stop.is_set():
                try:
                    if not await asyncio.to_thread(self.leadership.acquire):
                        await idle(stop, FOLLOWER_POLL)
                        continue
                    log.info("outbox publisher leads", transactional_id=self.group)
                    await self._lead(stop, poll_seconds)
                    failures = 0
                except KafkaAccessDenied:
                    raise  # refused credentials or TLS: the service fails with that line
                except (KafkaError, OSError, psycopg.Error, LostLeadership) as exc:
                    # Fenced by a newer publisher, the broker or the database away: give
                    # leadership up and try again; the claims settle what was published.
                    failures += 1
                    log.warning(
                        "outbox publisher paused, retrying",
                        error=f"{type(exc).__name__}: {exc}",
                        attempt=failures,
                    )
                    await asyncio.to_thread(self.leadership.release)
                    await idle(stop, backoff(failures))
        except Stopped:
            return  # it sits beside the projection loop (`asyncio.gather`): a clean end
        finally:
            await asyncio.to_thread(self.leadership.release)

    async def _lead(self, stop: asyncio.Event, poll_seconds: float) -> None:
        kafka = producer(
            self.settings,
            transactional_id=self.group,
            transaction_timeout_ms=TRANSACTION_TIMEOUT_MS,
        )
        try:
            # init_transactions: fences the publisher before this one
            await start_client(self.settings, kafka)
            published = await self._published()
            if settled := await asyncio.to_thread(self._settle, published):
                log.info("outbox claims settled", published=settled, claim=published)
            while not stop.is_set():
                if not await asyncio.to_thread(self.leadership.held):
                    raise LostLeadership("the outbox lock's connection is gone")
                rows = await asyncio.to_thread(self._pending)
                if not rows:
                    await idle(stop, poll_seconds)
                    continue
                number = published + 1
                await asyncio.to_thread(self._claim, number, [row["id"] for row in rows])
                await self._send(kafka, rows, number)
                published = number
                await asyncio.to_thread(self._settle, published)
                self.published += len(rows)
        finally:
            await kafka.stop()

    async def _send(self, kafka: AIOKafkaProducer, rows: list[dict[str, Any]], number: int) -> None:
        """One Kafka transaction: the records and the claim number as the progress offset."""
        async with kafka.transaction():
            for row in rows:
                key, value, headers = encode(
                    row["key"], row["type"], json.loads(row["payload"]), row["created_at"]
                )
                await kafka.send(self.settings.topic(row["topic"]), value, key=key, headers=headers)
            await kafka.send_offsets_to_transaction({self.progress: number}, self.group)

    async def _published(self) -> int:
        """The last claim the broker committed (0: none yet)."""
        client = admin(self.settings)
        try:
            await start_client(self.settings, client)
            found = await client.list_consumer_group_offsets(self.group, partitions=[self.progress])
        finally:
            await client.close()
        mark = found.get(self.progress)
        return max(0, int(mark.offset)) if mark is not None else 0
