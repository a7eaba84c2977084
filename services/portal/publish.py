"""Putting the portal's CloudEvents on the inbound topics (Kafka adapter, issue 13).

Views and answers go where any producer's events go (contract §2: po.delivery.v1,
po.acknowledgment.v1), as structured-mode CloudEvents keyed by the PO number, and ingest
records them like any other event. `publish` returns once the broker has the event
(acks=all): an answer is only confirmed to the supplier after that. A view is published
at most once per process per event id (`Views`): the id is the same for every view.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.errors import KafkaError

from schemas.binding import STRUCTURED_CONTENT_TYPE
from schemas.topics import Topic
from services.kafka import LazyProducer
from services.logging import get_logger
from services.settings import Settings

log = get_logger(__name__)
TOPICS = [Topic.DELIVERY, Topic.ACKNOWLEDGMENT]
BROKER_ERRORS = (KafkaError, OSError, TimeoutError)


class EventPublisher(LazyProducer):
    """The portal's producer: started on first use (creating the two topics when
    missing), stopped by `close`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, TOPICS)

    async def publish(self, topic: Topic, event: dict[str, Any], timeout: float) -> None:
        """Once the broker has `event` on `topic`; raises one of BROKER_ERRORS (KafkaError,
        OSError, TimeoutError after `timeout` seconds) when it cannot take it."""

        async def send() -> None:
            sender = await self.started()
            await sender.send_and_wait(
                self.settings.topic(topic),
                value=json.dumps(event, separators=(",", ":")).encode(),
                key=event["subject"].encode(),
                headers=[("content-type", STRUCTURED_CONTENT_TYPE.encode())],
            )

        await asyncio.wait_for(send(), timeout)


class Views:
    """At most one publication of each view event per process, in the background: the
    page does not wait for the broker. A publication that fails is forgotten, so the
    next view tries again."""

    def __init__(self, send: Callable[[Topic, dict[str, Any]], Awaitable[None]]) -> None:
        self._send = send
        self._done: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def publish(self, topic: Topic, event: dict[str, Any]) -> bool:
        """Start publishing `event` unless this process already did (or does); True when
        it starts now."""
        if event["id"] in self._done:
            return False
        self._done.add(event["id"])
        task = asyncio.get_running_loop().create_task(self._publish(topic, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _publish(self, topic: Topic, event: dict[str, Any]) -> None:
        try:
            await self._send(topic, event)
        except BROKER_ERRORS as exc:
            self._done.discard(event["id"])
            log.warning("portal view not published", po_number=event["subject"], error=str(exc))
        else:
            log.info("portal viewed", po_number=event["subject"], id=event["id"])

    async def settle(self) -> None:
        """Wait for the publications under way (tests, shutdown)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.settle()
