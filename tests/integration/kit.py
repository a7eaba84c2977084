"""Test kit for integration tests: produce, consume, run potrack as a real subprocess."""

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[2]
Record = tuple[
    str, bytes | None, bytes | None, list[tuple[str, bytes]]
]  # topic, key, value, headers


def ce(
    type_: str, po: str, data: dict[str, Any], id_: str, time_: str = "2026-11-02T09:00:00Z"
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": id_,
        "source": "urn:test",
        "type": type_,
        "subject": po,
        "time": time_,
        "datacontenttype": "application/json",
        "data": data,
    }


def plan(revision: int = 1, supplier: str = "SUP-1") -> dict[str, Any]:
    return {
        "revision": revision,
        "supplier": {"id": supplier, "name": "Acme"},
        "currency": "EUR",
        "total_amount": "1200.00",
        "lines": [{"line": 1, "sku": "A-1", "quantity": 10, "unit_price": "120.00"}],
        "recipients": [
            {"id": "sup", "kind": "supplier", "channel": "edi"},
            {"id": "ap", "kind": "internal", "channel": "email"},
        ],
    }


def structured(topic: str, event: dict[str, Any]) -> Record:
    return (
        topic,
        event["subject"].encode(),
        json.dumps(event).encode(),
        [("content-type", b"application/cloudevents+json")],
    )


def binary(topic: str, event: dict[str, Any]) -> Record:
    headers = [
        (f"ce_{k}", str(v).encode())
        for k, v in event.items()
        if k not in ("data", "datacontenttype")
    ]
    headers.append(("content-type", b"application/json"))
    return (topic, event["subject"].encode(), json.dumps(event["data"]).encode(), headers)


async def produce(bootstrap: str, records: list[Record]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_request_size=4 * 1024 * 1024
    )
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, headers=headers)
            for topic, key, value, headers in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def consume(bootstrap: str, topic: str, expected: int, timeout: float = 60) -> list[Any]:
    """Read `expected` records from the start of a topic (fails on timeout)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        isolation_level="read_committed",  # the outbox publishes in Kafka transactions
    )
    await consumer.start()
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                found.extend(records)
    finally:
        await consumer.stop()
    assert len(found) >= expected, f"only {len(found)} of {expected} records on {topic}"
    return found


def potrack_env(bootstrap: str, store_url: str, prefix: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "POTRACK_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "POTRACK_STORE_URL": store_url,
        "POTRACK_TOPIC_PREFIX": prefix,
        # Every consumer group too: a test's gateway or notifier must not join the groups
        # of `make run` (their rebalances would stall each other).
        "POTRACK_CONSUMER_GROUP": f"{prefix}ingest",
        "POTRACK_GATEWAY_GROUP": f"{prefix}gateway",
        "POTRACK_NOTIFY_GROUP": f"{prefix}notify",
        "POTRACK_OUTBOX_TRANSACTIONAL_ID": f"{prefix}outbox",
        "POTRACK_LOG_FORMAT": "json",
        **extra,
    }


@contextmanager
def potrack(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`potrack <command>` as a real process; SIGTERM (then SIGKILL) on exit."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *command],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`potrack <args>` to its end: exit code, stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(predicate, timeout: float = 90, every: float = 0.25, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
