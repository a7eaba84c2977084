"""Kafka adapter helpers: topic creation, producers, retries on an unreachable broker."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError

from schemas.topics import COMPACTED_TOPICS, Topic
from services.retry import with_retry
from services.settings import Settings

T = TypeVar("T")
PARTITIONS = 3
MAX_TOPIC_MESSAGE_BYTES = 4 * 1024 * 1024


async def with_broker_retry(
    what: str, action: Callable[[], Awaitable[T]], *, attempts: int = 0
) -> T:
    """Run `action` until the broker answers (`services.retry`): forever for services
    (attempts=0), a bounded number of tries for commands."""
    return await with_retry(
        what,
        action,
        on=(KafkaConnectionError, OSError),
        attempts=attempts,
        event="kafka unreachable, retrying",
    )


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


# Room left in a record for the key and the headers potrack adds to a dead letter.
DEAD_LETTER_VALUE_MAX = MAX_TOPIC_MESSAGE_BYTES - 64 * 1024


def fit_dead_letter(value: bytes | None) -> tuple[bytes | None, list[tuple[str, bytes]]]:
    """The value a dead letter can carry and the headers to add: the original value when
    it fits the topic's record limit, else none and ``potrack-value-omitted`` with its
    size. A value arrives larger than the limit when its producer compressed it (the
    limit applies to the compressed batch) or nearly at it (our headers then tip it over);
    the original stays on its source topic at the position the dead letter names."""
    if value is None or len(value) <= DEAD_LETTER_VALUE_MAX:
        return value, []
    note = f"{len(value)} bytes, over the dead-letter record limit; see the source position"
    return None, [("potrack-value-omitted", note.encode())]


def _topic_config(topic: Topic) -> dict[str, str]:
    if topic in COMPACTED_TOPICS:
        return {"cleanup.policy": "compact"}
    # Inbound and dead-letter topics take values over 1 MiB, so that such a value reaches
    # us and is dead-lettered with a reason (docs/contract.md §4) instead of failing at the
    # producer.
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
