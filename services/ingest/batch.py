"""Pure part of ingest: a poll result decoded into facts, dead letters and positions."""

from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import ConsumerRecord, TopicPartition

from schemas.binding import BadInput, decode
from schemas.recorded import Fact


@dataclass
class Batch:
    """One poll's worth of records, split into facts and dead letters."""

    facts: list[Fact] = field(default_factory=list)
    dead: list[tuple[ConsumerRecord, str]] = field(default_factory=list)
    positions: dict[tuple[str, int], int] = field(default_factory=dict)


def split(records: dict[TopicPartition, list[ConsumerRecord]], now: datetime) -> Batch:
    """Pure: decode a poll result; keeps per-partition order."""
    batch = Batch()
    for tp, items in records.items():
        for record in items:
            try:
                event = decode(record.value, record.headers)
            except BadInput as exc:
                batch.dead.append((record, str(exc)))
                continue
            except Exception as exc:
                # A message that trips a bug in decoding is dead-lettered, not retried forever.
                batch.dead.append((record, f"could not be decoded ({type(exc).__name__}: {exc})"))
                continue
            batch.facts.append(
                Fact.from_event(
                    event,
                    recorded_at=now,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                )
            )
        if items:
            batch.positions[(tp.topic, tp.partition)] = items[-1].offset + 1
    return batch


def fresh(
    records: dict[TopicPartition, list[ConsumerRecord]], expected: dict[TopicPartition, int]
) -> dict[TopicPartition, list[ConsumerRecord]]:
    """The records at or past the expected next offset of their partition (all of a
    partition with no expectation)."""
    kept = {
        tp: [r for r in items if r.offset >= expected.get(tp, 0)] for tp, items in records.items()
    }
    return {tp: items for tp, items in kept.items() if items}
