"""Ingest's pure batch split: every record becomes a fact or a dead letter, in order."""

from aiokafka import ConsumerRecord, TopicPartition

from schemas.status import EventType
from services.ingest.batch import fresh, split
from tests.factories import T0, plan
from tests.factories import record as value_of


def record(offset: int, value: bytes | None) -> ConsumerRecord:  # type: ignore[type-arg]
    return ConsumerRecord(
        topic="po.distribution.v1",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"PO-1",
        value=value,
        checksum=None,
        serialized_key_size=4,
        serialized_value_size=len(value or b""),
        headers=[],
    )


def test_a_poison_pill_is_dead_lettered_and_the_records_around_it_are_kept() -> None:
    tp = TopicPartition("po.distribution.v1", 0)
    batch = split(
        {
            tp: [
                record(7, value_of(EventType.APPROVED, data=plan())),
                record(8, b"[" * 200_000),
                record(9, b"{nope"),
            ]
        },
        T0,
    )

    assert [f.offset for f in batch.facts] == [7]
    assert [r.offset for r, _ in batch.dead] == [8, 9]
    assert all(reason for _, reason in batch.dead)
    assert batch.positions == {("po.distribution.v1", 0): 10}


def test_records_below_the_expected_offset_were_handed_out_before_and_are_skipped() -> None:
    tp, other = TopicPartition("po.distribution.v1", 0), TopicPartition("po.delivery.v1", 1)
    polled = {tp: [record(n, b"{}") for n in range(5)], other: [record(0, b"{}")]}

    kept = fresh(polled, {tp: 3})

    assert [r.offset for r in kept[tp]] == [3, 4]
    assert [r.offset for r in kept[other]] == [0]  # no expectation: everything
    assert fresh(polled, {tp: 5, other: 1}) == {}
