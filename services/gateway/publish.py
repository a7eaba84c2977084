"""Putting a raw document on po.documents.v1 (POST /b2b/cxml, `potrack translate --publish`)."""

from schemas.topics import Topic
from services.kafka import LazyProducer
from services.settings import Settings


class DocumentPublisher(LazyProducer):
    """A started producer for raw documents; `publish` returns once the broker has it
    (acks=all). Started lazily: the first `publish` starts it, `close` stops it."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, [Topic.DOCUMENTS])

    async def publish(
        self, body: bytes, content_type: str, partner: str | None = None, key: bytes | None = None
    ) -> tuple[int, int]:
        """(partition, offset) of the document once on po.documents.v1; raises
        aiokafka's KafkaError or OSError when the broker cannot take it."""
        headers = [("content-type", content_type.encode())]
        if partner:
            headers.append(("potrack-partner", partner.encode()))
        sender = await self.started()
        meta = await sender.send_and_wait(
            self.settings.topic(Topic.DOCUMENTS), value=body, key=key, headers=headers
        )
        return meta.partition, meta.offset
