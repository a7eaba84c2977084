"""Kafka adapter helpers: topic creation, producers, retries on an unreachable broker."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_never,
    wait_exponential,
)

from schemas.topics import COMPACTED_TOPICS, Topic
from services.logging import get_logger
from services.settings import Settings

log = get_logger(__name__)
T = TypeVar("T")
PARTITIONS = 3
MAX_TOPIC_MESSAGE_BYTES = 4 * 1024 * 1024


async def with_broker_retry(
    what: str, action: Callable[[], Awaitable[T]], *, attempts: int = 0
) -> T:
    """Run `action` until the broker answers, with exponential backoff and one log line a try.

    attempts=0 retries forever (services); a positive number bounds it (CLI commands).
    """
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((KafkaConnectionError, OSError)),
        wait=wait_exponential(multiplier=0.5, max=30),
        stop=stop_never if attempts == 0 else stop_after_attempt(attempts),
        before_sleep=lambda rs: log.warning(
            "kafka unreachable, retrying",
            what=what,
            attempt=rs.attempt_number,
            error=str(rs.outcome.exception()) if rs.outcome else None,
        ),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await action()
    raise AssertionError("unreachable")


async def ensure_topics(settings: Settings, names: list[Topic] | None = None) -> None:
    """Create potrack's topics if missing (compacted ones with cleanup.policy=compact)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=settings.topic(t),
                num_partitions=PARTITIONS,
                replication_factor=1,
                topic_configs=_topic_config(t),
            )
            for t in (names or list(Topic))
            if settings.topic(t) not in existing
        ]
        if wanted:
            # Another process may create them at the same moment.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


def _topic_config(topic: Topic) -> dict[str, str]:
    if topic in COMPACTED_TOPICS:
        return {"cleanup.policy": "compact"}
    # Inbound and dead-letter topics take values over 1 MiB, so that such a value reaches
    # us and is dead-lettered with a reason (CONTRACT §4) instead of failing at the producer.
    return {"max.message.bytes": str(MAX_TOPIC_MESSAGE_BYTES)}


def producer(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=MAX_TOPIC_MESSAGE_BYTES + 64 * 1024,
    )


async def broker_answers(settings: Settings, timeout: float = 3.0) -> bool:
    """True when a metadata request succeeds within `timeout` seconds."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=int(timeout * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), timeout)
        await asyncio.wait_for(admin.list_topics(), timeout)
        return True
    except (TimeoutError, KafkaError, OSError):
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
