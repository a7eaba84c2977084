"""Issue 11: `make run` printed a NotLeaderForPartitionError retry at start, because the
simulator produced to topics it had just created before their leaders had taken up the
partitions. `ensure_topics` now returns only once every partition has a leader that
answers (`services.kafka.wait_until_ready`)."""

import logging
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import Topic
from services.kafka import PARTITIONS, ensure_topics, leaders_of, producer
from services.settings import Settings


async def test_producing_right_after_ensure_topics_meets_no_leaderless_partition(
    kafka_bootstrap: str, topic_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    names = [settings.topic(t) for t in Topic]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    caplog.set_level(logging.WARNING, logger="aiokafka")
    try:
        await ensure_topics(settings)  # fresh topics: created here
        described = await admin.describe_topics(names)
        assert all(p["leader"] >= 0 for t in described for p in t["partitions"])
        sending = producer(settings)
        await sending.start()
        try:
            # At once, a record to every partition of every topic (keyed: some are
            # compacted), as the simulator does.
            futures = [
                await sending.send(name, b"{}", key=b"PO-1", partition=p)
                for name in names
                for p in range(PARTITIONS)
            ]
            for future in futures:
                await future
        finally:
            await sending.stop()
    finally:
        await admin.delete_topics(names)
        await admin.close()
    retries = [r.getMessage() for r in caplog.records if "NotLeader" in r.getMessage()]
    assert retries == []


def _partition(n: int, leader: int, error: int = 0) -> dict[str, Any]:
    return {"partition": n, "leader": leader, "error_code": error}


def test_a_partition_without_a_leader_is_named_in_the_readiness_message() -> None:
    described = [
        {"topic": "a", "error_code": 0, "partitions": [_partition(0, 1), _partition(1, -1)]},
        {"topic": "b", "error_code": 3, "partitions": []},  # UNKNOWN_TOPIC_OR_PARTITION
        {"topic": "c", "error_code": 0, "partitions": [_partition(0, 1, error=5)]},
    ]
    partitions, missing = leaders_of(described, ["a", "b", "c", "d"])
    assert missing == "a:1, b, c:0, d"
    assert [(tp.topic, tp.partition) for tp in partitions] == [("a", 0), ("a", 1), ("c", 0)]
    ready = [{"topic": "a", "error_code": 0, "partitions": [_partition(0, 1)]}]
    assert leaders_of(ready, ["a"])[1] == ""
