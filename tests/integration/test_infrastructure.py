"""The test infrastructure itself: a real broker round trip and a real, empty database."""

import asyncio

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def test_a_record_produced_to_kafka_can_be_consumed(
    kafka_bootstrap: str, kafka_topic_factory, topic_prefix: str
) -> None:
    topic = await kafka_topic_factory("smoke", partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b'{"hello": "kafka"}', key=b"PO-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"{topic_prefix}smoke",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()

    assert (record.key, record.value) == (b"PO-1", b'{"hello": "kafka"}')


def test_each_test_gets_a_fresh_empty_postgres_database(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        existing = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        conn.execute("CREATE TABLE purchase_order (po_number text PRIMARY KEY)")
        conn.execute("INSERT INTO purchase_order VALUES ('PO-1')")
        rows = conn.execute("SELECT po_number FROM purchase_order").fetchall()

    assert existing == (0,)
    assert rows == [("PO-1",)]


def test_databases_are_not_shared_between_tests(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute("SELECT to_regclass('public.purchase_order')").fetchone()

    assert found == (None,)
