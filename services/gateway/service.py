"""`potrack gateway`: po.documents.v1 in, the inbound topics out (docs/contract.md §2b).

A FastStream subscriber in its own consumer group (POTRACK_GATEWAY_GROUP), in batches.
At least once, with idempotent effects (ARCHITECTURE "edge services"): for each batch it
translates every document (`translate`, pure), publishes the events and the dead letters
and parks the documents that answer a `po.sent` not recorded yet (`gateway_pending`), and
only then acknowledges the batch (commits the offsets). A crash before that re-reads the
batch: the same events again (ids come from control numbers, so ingest records them
once), the same parked rows (keyed by offset), and no dead letter again: those of a batch
go out once (`services.deadletters`). A parked document dead-lettered when its correlation
window ends is at least once (a crash between publishing and settling its row sends it
again, with the same headers). FastStream's own ack policy is not relied on:
NACK_ON_ERROR seeks back on any error, so nothing is committed past an unprocessed
document.

The events of a document that do correlate are published at once; when some of its
replies answer no recorded `po.sent`, the document is also parked and retried with a
bounded backoff (`PendingRetry`) until their correlation window
(POTRACK_CORRELATION_WINDOW_SECONDS, from the document's arrival on the topic) ends, and
then dead-lettered with the message ids that never correlated. Nothing behind a parked
document waits for it.
"""

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from faststream.exceptions import NackMessage
from faststream.kafka import KafkaBroker, KafkaMessage

from projections.tables import pending
from projections.tables.pending import Pending
from schemas.topics import Topic
from services import metrics
from services.deadletters import DeadLetters
from services.gateway.lookup import SentLookup
from services.gateway.partners import Partners
from services.gateway.statements import DocumentError
from services.gateway.translate import (
    Incoming,
    Translation,
    Uncorrelated,
    check_size,
    translate,
)
from services.gateway.watermark import DocumentsWatermark
from services.heartbeat import work_level
from services.kafka import (
    INFRASTRUCTURE_ERRORS,
    MAX_TOPIC_MESSAGE_BYTES,
    broker_security,
    ensure_topics,
    faststream_logger,
    fit_dead_letter,
    records_of,
    subscribe_batches,
    with_broker_retry,
)
from services.logging import get_logger
from services.retry import with_retry
from services.runtime import Stopped, periodically
from services.settings import Settings
from services.store.views import ViewDB

log = get_logger(__name__)
BATCH = 500
FIRST_RETRY = timedelta(seconds=5)
LAST_RETRY = timedelta(minutes=10)
Published = list["asyncio.Future[Any]"]


def retry_delay(attempts: int) -> timedelta:
    """5 s after the first try, doubling, at most 10 minutes (a bounded backoff)."""
    return min(LAST_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))


@dataclass
class Outcome:
    """What became of one batch: events to publish, dead letters and parked documents."""

    events: int = 0
    dead: int = 0
    parked: int = 0


def _header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for key, value in record.headers or ():
        if key.lower() == name:
            return bytes(value).decode("utf-8", "replace")
    return None


def incoming_of(record: ConsumerRecord[Any, Any]) -> Incoming:
    """The document of one Kafka record (value bytes, headers, position)."""
    return Incoming(
        body=bytes(record.value or b""),
        content_type=_header(record, "content-type"),
        partner=_header(record, "potrack-partner"),
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
    )


class Gateway:
    """The gateway process: subscriber, publisher, and the retry of parked documents."""

    def __init__(self, settings: Settings, db: ViewDB, partners: Partners) -> None:
        self.settings = settings
        self.db = db
        self.partners = partners
        self.source = settings.topic(Topic.DOCUMENTS)
        self.dead_letters = DeadLetters(settings, settings.gateway_group)
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            security=broker_security(settings),
            max_request_size=MAX_TOPIC_MESSAGE_BYTES + 64 * 1024,
            enable_idempotence=True,
            logger=faststream_logger("potrack.gateway.faststream"),
        )
        subscribe_batches(
            self.broker,
            self.source,
            settings.gateway_group,
            self._handle,
            max_records=BATCH,
            max_partition_fetch_bytes=MAX_TOPIC_MESSAGE_BYTES + 64 * 1024,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop`; a batch in hand is finished first."""
        await with_broker_retry("create topics", lambda: ensure_topics(self.settings))
        await asyncio.to_thread(self.db.ensure_tables)
        try:
            await with_broker_retry("start the gateway", self.broker.start)
            await self.dead_letters.start()
        except BaseException:  # Stopped while the broker is away, or cancelled
            await self.broker.stop()
            await self.dead_letters.stop()
            raise
        log.info("gateway started", topic=self.source, partners=len(self.partners))
        claims = DocumentsWatermark(
            self.settings, self.db, self.source, self.settings.gateway_group
        )
        try:
            await asyncio.gather(PendingRetry(self).run(stop), claims.run(stop))
        finally:
            await self.broker.stop()
            await self.dead_letters.stop()
            log.info("gateway stopped")

    async def _handle(self, msg: KafkaMessage) -> None:
        records = records_of(msg)
        started = time.perf_counter()
        # A broker or database that is away for a moment: the same batch again, with
        # backoff (its effects are idempotent); after that the error nacks the batch, so
        # FastStream seeks back and nothing is committed past it.
        try:
            outcome = await with_retry(
                "translate a batch of documents",
                lambda: self.handle(list(records)),
                on=INFRASTRUCTURE_ERRORS,
                attempts=8,
            )
        except Stopped:  # the process is stopping: the batch is read again after a restart
            raise NackMessage() from None
        seconds = time.perf_counter() - started
        log.log(
            work_level(len(records), seconds),  # routine batches: DEBUG, see the summary
            "gateway batch",
            documents=len(records),
            events=outcome.events,
            dead_letters=outcome.dead,
            parked=outcome.parked,
            ms=round(seconds * 1000, 1),
        )

    async def handle(self, records: list[ConsumerRecord[Any, Any]]) -> Outcome:
        """Translate, publish, park; returns once the broker has every record."""
        translated = await asyncio.to_thread(self._translate_all, records)
        outcome = Outcome()
        futures: Published = []
        parked: list[Pending] = []
        dead: list[tuple[ConsumerRecord[Any, Any], str]] = []
        for record, result in zip(records, translated, strict=True):
            incoming = incoming_of(record)
            if isinstance(result, Translation):
                # What correlates goes out now; what does not waits (the same events again
                # on a retry have the same ids: ingest records them once).
                outcome.events += len(result.events)
                futures += await self._publish(result)
                metrics.DOCUMENTS.labels(format=result.reading.format, outcome="translated").inc()
                if result.uncorrelated:
                    reason = str(Uncorrelated(result.uncorrelated))
                    parked.append(self._parked(record, incoming, reason))
                elif not result.events:  # e.g. a DSN that only says "relayed"
                    log.debug(
                        "document states no event",
                        document=result.reading.kind,
                        offset=incoming.offset,
                        notes=list(result.reading.notes),
                    )
            else:
                dead.append((record, str(result)))
        if parked:
            await asyncio.to_thread(self._park, parked)
            outcome.parked = len(parked)
        if dead:
            # Once (`services.deadletters`): FastStream does not say when partitions move,
            # so how far they were published is read for every batch that has some.
            await self.dead_letters.refresh(
                sorted({TopicPartition(r.topic, r.partition) for r, _ in dead})
            )
            for record, reason in await self.dead_letters.publish(dead):
                outcome.dead += 1
                self._count_dead_letter((record.topic, record.partition, record.offset), reason)
        await asyncio.gather(*futures)
        return outcome

    def _translate_all(
        self, records: list[ConsumerRecord[Any, Any]]
    ) -> list[Translation | DocumentError]:
        results: list[Translation | DocumentError] = []
        with self.db.read() as tx:
            lookup = SentLookup(tx)
            for record in records:
                try:
                    check_size(len(record.value or b""), self.settings.max_document_bytes)
                    incoming = incoming_of(record)
                    results.append(translate(incoming, self.partners, lookup, final=True))
                except DocumentError as exc:
                    results.append(exc)
        return results

    async def _publish(self, translation: Translation) -> Published:
        futures: Published = []
        for topic, event in translation.events:
            futures.append(
                await self.broker.publish(
                    json.dumps(event, separators=(",", ":")).encode(),
                    self.settings.topic(topic),
                    key=event["subject"].encode(),
                    headers={"content-type": "application/cloudevents+json"},
                    no_confirm=True,
                )
            )
            log.debug(
                "document translated",
                po_number=event["subject"],
                type=event["type"],
                id=event["id"],
                document=translation.reading.kind,
            )
        return futures

    async def _dead_letter(
        self, record: ConsumerRecord[Any, Any] | Pending, reason: str
    ) -> "asyncio.Future[Any]":
        if isinstance(record, Pending):
            original: list[tuple[str, bytes]] = []
            if record.content_type:
                original.append(("content-type", record.content_type.encode()))
            if record.partner:
                original.append(("potrack-partner", record.partner.encode()))
            value: bytes | None = record.body
            key = record.key
            where = (record.topic or self.source, record.partition, record.offset)
        else:
            original = list(record.headers or ())
            value, key = record.value, record.key
            where = (record.topic, record.partition, record.offset)
        value, omitted = fit_dead_letter(value)
        headers = {k: bytes(v).decode("latin-1") for k, v in [*original, *omitted]}
        headers |= {
            "potrack-error": reason,
            "potrack-source-topic": str(where[0]),
            "potrack-source-partition": str(where[1]),
            "potrack-source-offset": str(where[2]),
        }
        self._count_dead_letter(where, reason)
        future: asyncio.Future[Any] = await self.broker.publish(
            value,
            self.settings.topic(Topic.DEADLETTER),
            key=key,
            headers=headers,
            no_confirm=True,
        )
        return future

    @staticmethod
    def _count_dead_letter(where: tuple[str | None, int | None, int | None], reason: str) -> None:
        metrics.DEAD_LETTERS.inc()
        metrics.DOCUMENTS.labels(format="-", outcome="dead_letter").inc()
        log.warning(
            "document dead-lettered",
            topic=where[0],
            partition=where[1],
            offset=where[2],
            reason=reason,
        )

    def _parked(self, record: ConsumerRecord[Any, Any], incoming: Incoming, reason: str) -> Pending:
        arrived = datetime.fromtimestamp(record.timestamp / 1000, UTC)
        now = datetime.now(UTC)
        return Pending(
            doc_key=f"{record.topic}:{record.partition}:{record.offset}",
            body=incoming.body,
            content_type=incoming.content_type,
            partner=incoming.partner,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            arrived_at=min(arrived, now),
            next_at=now + retry_delay(1),
            attempts=1,
            reason=reason,
        )

    def _park(self, rows: list[Pending]) -> None:
        with self.db.transaction() as tx:
            pending.add(tx, rows)
        for row in rows:
            log.debug("document waits for its po.sent", doc=row.doc_key, reason=row.reason)


class PendingRetry:
    """Retries parked documents until the correlation window of each has passed."""

    def __init__(self, gateway: Gateway, every: float = 1.0) -> None:
        self.gateway = gateway
        self.every = every
        self.window = timedelta(seconds=gateway.settings.correlation_window_seconds)

    async def run(self, stop: asyncio.Event) -> None:
        await periodically(
            stop,
            self.every,
            lambda: self.step(datetime.now(UTC)),
            "retry of waiting documents failed",
        )

    async def step(self, now: datetime) -> int:
        """Try every due document once; returns how many left the waiting list."""
        gw = self.gateway
        due = await asyncio.to_thread(self._due, now)
        done: list[str] = []
        futures: Published = []
        for row, result in due:
            if isinstance(result, Translation):
                futures += await gw._publish(result)
                if result.uncorrelated and now - row.arrived_at < self.window:
                    continue  # still waiting (what correlated went out again, harmlessly)
                if result.uncorrelated:
                    reason = (
                        f"answers no sent message within the correlation window "
                        f"({self.window.total_seconds():.0f} s): no po.sent with message_id "
                        + ", ".join(result.uncorrelated[:5])
                    )
                    futures.append(await gw._dead_letter(row, reason))
                done.append(row.doc_key)
            elif isinstance(result, DocumentError):
                futures.append(await gw._dead_letter(row, str(result)))
                done.append(row.doc_key)
        await asyncio.gather(*futures)
        await asyncio.to_thread(self._settle, due, done, now)
        return len(done)

    def _due(self, now: datetime) -> list[tuple[Pending, Translation | DocumentError]]:
        gw = self.gateway
        out: list[tuple[Pending, Translation | DocumentError]] = []
        with gw.db.read() as tx:
            rows = pending.due(tx, now)
            metrics.DOCUMENTS_PENDING.set(pending.count(tx))
            lookup = SentLookup(tx)
            for row in rows:
                incoming = Incoming(
                    row.body, row.content_type, row.partner, row.topic, row.partition, row.offset
                )
                try:
                    out.append((row, translate(incoming, gw.partners, lookup, final=True)))
                except DocumentError as exc:
                    out.append((row, exc))
        return out

    def _settle(
        self,
        due: list[tuple[Pending, Translation | DocumentError]],
        done: list[str],
        now: datetime,
    ) -> None:
        with self.gateway.db.transaction() as tx:
            pending.remove(tx, done)
            for row, result in due:
                if isinstance(result, Translation) and row.doc_key not in done:
                    later = min(now + retry_delay(row.attempts + 1), row.arrived_at + self.window)
                    reason = str(Uncorrelated(result.uncorrelated))
                    pending.reschedule(tx, row.doc_key, later, row.attempts + 1, reason)
