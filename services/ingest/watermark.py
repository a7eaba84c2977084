"""When ingest has read each inbound partition to its end: the ingest watermark's input
(docs/contract.md §5; the log itself is `projections.tables.watermarks`).

Every clock period ingest takes a checkpoint: the time `at`, read BEFORE it asks the broker
for the end offset of each assigned partition. Every record appended before `at` lies below
that end offset. Once the positions ingest has recorded in the store reach the end offset
of a partition, the partition is caught up as of `at`. A consumer that lags keeps its
checkpoints until it reaches them, so the watermark still moves under a steady load (it
trails by the lag) instead of waiting for an idle moment.

Pure: the Kafka and store calls are made by `services.ingest.consumer.Ingest`.
"""

from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime

from aiokafka import TopicPartition

MAX_CHECKPOINTS = 1000  # per partition; beyond it the oldest go (the watermark just trails)


class CatchUp:
    """Checkpoints (time, end offset) per partition, waiting for the recorded position."""

    def __init__(self) -> None:
        self.pending: dict[TopicPartition, deque[tuple[datetime, int]]] = {}

    def checkpoint(self, at: datetime, ends: Mapping[TopicPartition, int]) -> None:
        """Note that at `at` (read before asking) partition `tp` ended at offset `ends[tp]`."""
        for tp, end in ends.items():
            waiting = self.pending.setdefault(tp, deque(maxlen=MAX_CHECKPOINTS))
            waiting.append((at, end))

    def reached(self, positions: Mapping[TopicPartition, int]) -> dict[TopicPartition, datetime]:
        """The partitions whose recorded next offset (`positions`) reached a checkpoint, with
        the latest such checkpoint's time; those checkpoints are dropped."""
        found: dict[TopicPartition, datetime] = {}
        for tp, waiting in self.pending.items():
            position = positions.get(tp)
            while position is not None and waiting and waiting[0][1] <= position:
                found[tp] = waiting.popleft()[0]
        return found

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop the checkpoints of partitions this process no longer reads."""
        for tp in partitions:
            self.pending.pop(tp, None)
