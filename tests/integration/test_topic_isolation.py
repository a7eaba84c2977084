"""`make test` leaves nothing on the broker that `make run` shares (issue 11): every topic
and consumer group a test's potrack uses has the test's own prefix, and the topics of a
session are deleted at its end."""

import asyncio
import time

from aiokafka.admin import AIOKafkaAdminClient

from services.kafka import ensure_topics
from services.settings import Settings
from tests.conftest import delete_topics_with_prefix, new_topic_prefix
from tests.integration.kit import potrack_env


def test_a_tests_potrack_names_every_topic_and_consumer_group_with_its_prefix() -> None:
    prefix = new_topic_prefix()
    env = potrack_env("127.0.0.1:1", "sqlite:///x.sqlite", prefix)

    assert env["POTRACK_TOPIC_PREFIX"] == prefix
    groups = [name for name in Settings.model_fields if name.endswith("_group")]
    assert len(groups) >= 3  # ingest, gateway, notify: each its own consumer group
    for name in groups:
        value = env.get(f"POTRACK_{name.upper()}", "")
        assert value.startswith(prefix), f"{name} is {value!r}: shared with `make run`"


async def topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def test_the_topics_of_a_prefix_are_deleted_and_no_others(kafka_bootstrap: str) -> None:
    gone, kept = new_topic_prefix(), new_topic_prefix()
    await ensure_topics(Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=gone))
    await ensure_topics(Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=kept))
    try:
        deleted = await delete_topics_with_prefix(kafka_bootstrap, {gone})

        assert len(deleted) >= 8 and all(t.startswith(gone) for t in deleted)
        deadline = time.monotonic() + 15
        while any(t.startswith(gone) for t in await topics(kafka_bootstrap)):
            assert time.monotonic() < deadline, "the deleted topics are still listed"
            await asyncio.sleep(0.2)
        assert len([t for t in await topics(kafka_bootstrap) if t.startswith(kept)]) >= 8
    finally:
        await delete_topics_with_prefix(kafka_bootstrap, {gone, kept})
