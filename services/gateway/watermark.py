"""The gateway's part of the ingest watermark (docs/contract.md §5): when it has handled
every document that was on po.documents.v1.

A document's events reach the store only after the gateway translated and published them,
so a watermark that only looked at the inbound topics would judge deadlines that documents
still waiting on po.documents.v1 meet (a back-filled month of 855s and DSNs). Every clock
period the gateway takes a checkpoint like ingest does (`services.ingest.watermark`): the
time, then the end offset of each documents partition; once the gateway group's committed
offsets reach it (the gateway commits a batch only after its events, dead letters and
parked rows are written), every document appended before that time was handled, and the
partition is claimed as caught up then (`projections.tables.watermarks.claim`). A document
parked for the `po.sent` it answers holds its partition's claim before its arrival while it
has been tried fewer than `HOLD_ATTEMPTS` times (about a minute: in a back-fill the `sent`
projection catches up by then); after that it is an answer to something potrack never
sent, and the watermark goes on without it.

Ingest reads these claims before each of its checkpoints and takes the least into it.
The committed offsets come from Kafka's admin API, the end offsets from a consumer outside
any group: FastStream's subscriber exposes neither.
"""

import asyncio
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from projections.tables import Database, pending, watermarks
from services import kafka
from services.ingest.watermark import CatchUp
from services.logging import get_logger
from services.runtime import periodically
from services.settings import Settings

log = get_logger(__name__)
HOLD_ATTEMPTS = 5  # tries at 0, 5, 15, 35 and 75 s (services.gateway.service.retry_delay)
EPSILON = timedelta(microseconds=1)


class DocumentsWatermark:
    """Claims the documents partitions the gateway group has handled, every `seconds`."""

    def __init__(self, settings: Settings, db: Database, topic: str, group: str) -> None:
        self.settings, self.db, self.topic, self.group = settings, db, topic, group
        self.catch_up = CatchUp()

    async def run(self, stop: asyncio.Event) -> None:
        """Claim until `stop`; a failed step is logged and the next period tries again."""
        consumer = kafka.consumer(self.settings, enable_auto_commit=False)
        admin = kafka.admin(self.settings)
        try:
            await consumer.start()
            await admin.start()
            await periodically(
                stop,
                self.settings.alert_clock_seconds,
                lambda: self.step(consumer, admin),
                "documents watermark not claimed",
            )
        finally:
            await consumer.stop()
            await admin.close()

    async def step(self, consumer: AIOKafkaConsumer, admin: AIOKafkaAdminClient) -> None:
        """One checkpoint, then the claims it allows."""
        described = await admin.describe_topics([self.topic])
        tps = [TopicPartition(self.topic, p["partition"]) for p in described[0]["partitions"]]
        if not tps:
            return
        at = datetime.now(UTC)  # before asking: whatever was appended before it lies below
        ends = await consumer.end_offsets(tps)
        self.catch_up.checkpoint(at, ends)
        first = await consumer.beginning_offsets(tps)
        committed = await admin.list_consumer_group_offsets(self.group, partitions=tps)
        positions = {
            tp: max(first[tp], committed[tp].offset if tp in committed else -1) for tp in tps
        }
        reached = self.catch_up.reached(positions)
        if reached:
            await asyncio.to_thread(self._claim, reached)

    def _claim(self, reached: dict[TopicPartition, datetime]) -> None:
        with self.db.transaction() as tx:
            held = pending.holding(tx, self.topic, HOLD_ATTEMPTS)
            claimed = {
                (tp.topic, tp.partition): min(t, held[tp.partition] - EPSILON)
                if tp.partition in held
                else t
                for tp, t in reached.items()
            }
            watermarks.claim(tx, claimed)
