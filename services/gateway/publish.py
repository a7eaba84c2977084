"""Putting a raw document on po.documents.v1 (POST /b2b/cxml, `potrack translate --publish`)."""

import asyncio

from aiokafka import AIOKafkaProducer

from schemas.topics import Topic
from services.kafka import ensure_topics, producer
from services.settings import Settings


class DocumentPublisher:
    """A started producer for raw documents; `publish` returns once the broker has it
    (acks=all). Start it lazily: the first `publish` starts it, `close` stops it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def _started(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                await ensure_topics(self.settings, [Topic.DOCUMENTS])
                started = producer(self.settings)
                await started.start()
                self._producer = started
            return self._producer

    async def publish(
        self, body: bytes, content_type: str, partner: str | None = None, key: bytes | None = None
    ) -> tuple[int, int]:
        """(partition, offset) of the document once on po.documents.v1; raises
        aiokafka's KafkaError or OSError when the broker cannot take it."""
        headers = [("content-type", content_type.encode())]
        if partner:
            headers.append(("potrack-partner", partner.encode()))
        sender = await self._started()
        meta = await sender.send_and_wait(
            self.settings.topic(Topic.DOCUMENTS), value=body, key=key, headers=headers
        )
        return meta.partition, meta.offset

    async def close(self) -> None:
        async with self._lock:
            if self._producer is not None:
                await self._producer.stop()
                self._producer = None
