"""Outbox publisher: drains queued outbound messages to Kafka, at least once.

Rows are written in the projection's transaction; they are deleted only after the
broker acknowledged them, so a crash re-sends (never loses). Event ids are derived
from the content, so a re-sent record carries the same CloudEvents id.
"""

import asyncio
import hashlib
import json
from datetime import datetime
from typing import Any

from cloudevents.core.bindings.kafka import to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from projections.tables import Database, positions
from services.kafka import ensure_topics, producer, with_broker_retry
from services.runtime import Stopped, idle
from services.settings import Settings

SOURCE = "urn:potrack"  # docs/contract.md §1: the source of every outbound record
_FORMAT = JSONFormat()


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
    """Sends queued outbox records in id order, deleting each batch once the broker has it."""

    def __init__(self, settings: Settings, db: Database, batch: int = 1000) -> None:
        self.settings = settings
        self.db = db
        self.batch = batch
        self.published = 0

    def _pending(self) -> list[dict[str, Any]]:
        with self.db.read() as tx:
            return positions.queued(tx, self.batch)

    def _delete(self, ids: list[int]) -> None:
        with self.db.transaction() as tx:
            positions.sent(tx, ids)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.1) -> None:
        """Publish until `stop`; the batch in hand is sent first. While the broker is away it
        retries until it answers or `stop` is set (then it returns: nothing was taken
        from the outbox)."""
        kafka = producer(self.settings)
        try:
            await with_broker_retry("create topics", lambda: ensure_topics(self.settings))
            await with_broker_retry("start producer", kafka.start)
            while not stop.is_set():
                rows = await asyncio.to_thread(self._pending)
                if not rows:
                    await idle(stop, poll_seconds)
                    continue
                futures = []
                for row in rows:
                    key, value, headers = encode(
                        row["key"], row["type"], json.loads(row["payload"]), row["created_at"]
                    )
                    futures.append(
                        await kafka.send(
                            self.settings.topic(row["topic"]), value, key=key, headers=headers
                        )
                    )
                await asyncio.gather(*futures)
                await asyncio.to_thread(self._delete, [row["id"] for row in rows])
                self.published += len(rows)
        except Stopped:
            return  # it sits beside the projection loop (`asyncio.gather`): a clean end
        finally:
            await kafka.stop()
