"""The ingest watermark (docs/contract.md §5): when each inbound partition was last read to
its end, and the recorded watermarks that the alerts projection judges deadlines at.

- `ingest_caught_up` (topic, kafka_partition, at): the latest moment at which ingest had
  recorded every record that was on that partition (`services.ingest.watermark` decides).
- `ingest_watermarks` (seq, position, at): the watermark log. Row `seq` says: every record
  that was on any inbound partition before `at` is among the notifications up to
  `position`. `at` only grows with `seq`; so does `position`.
- `ingest_watermark_head`: one row, locked by every writer so that concurrent ingest
  processes append to the log one at a time.

Ingest writes these rows (in a transaction of its own, after the transaction that recorded
the facts and Kafka positions it reports on: a claim about committed facts stays true); the
alerts projection only reads them.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from projections.tables import Tx, instant, instant_text

Partition = tuple[str, int]  # (topic, partition)


@dataclass(frozen=True)
class Watermark:
    """One recorded watermark: everything on the inbound topics before `at` (UTC) is in the
    notification log at or below `position`."""

    seq: int
    position: int
    at: datetime


def record(
    tx: Tx,
    caught_up: Mapping[Partition, datetime],
    partitions: Collection[Partition],
    position: Callable[[], int],
) -> Watermark | None:
    """Note that each partition in `caught_up` was read to its end at that time, then
    append the new watermark: the least caught-up time over `partitions` (every inbound
    partition there is), read with `position()` (the newest notification id) once the
    rows it rests on are read. None when it did not move past the last one, or when a
    partition was never caught up (then nothing can be said yet)."""
    tx.execute("UPDATE ingest_watermark_head SET id = id WHERE id = 1")  # one writer at a time
    claim(tx, caught_up)
    rows = tx.all("SELECT topic, kafka_partition, at FROM ingest_caught_up")
    known = {(str(r["topic"]), int(r["kafka_partition"])): instant(r["at"]) for r in rows}
    if not partitions or any(p not in known for p in partitions):
        return None
    at = min(known[p] for p in partitions)
    last = latest(tx)
    if last is not None and at <= last.at:
        return None
    head = max(position(), last.position if last else 0)
    mark = Watermark(seq=(last.seq if last else 0) + 1, position=head, at=at)
    tx.execute(
        "INSERT INTO ingest_watermarks (seq, position, at) VALUES (?, ?, ?)",
        (mark.seq, mark.position, instant_text(mark.at)),
    )
    return mark


def claim(tx: Tx, caught_up: Mapping[Partition, datetime]) -> None:
    """Note that each partition was read to its end at that time (a later claim wins; an
    earlier one changes nothing). Ingest claims the inbound partitions; the B2B gateway
    claims those of po.documents.v1 (`services.gateway.watermark`)."""
    tx.executemany(
        "INSERT INTO ingest_caught_up (topic, kafka_partition, at) VALUES (?, ?, ?)"
        " ON CONFLICT (topic, kafka_partition) DO UPDATE SET at = CASE"
        " WHEN excluded.at > ingest_caught_up.at THEN excluded.at ELSE ingest_caught_up.at END",
        [(topic, partition, instant_text(at)) for (topic, partition), at in caught_up.items()],
    )


def claims(tx: Tx, topic: str) -> dict[int, datetime]:
    """The caught-up time of each claimed partition of `topic`."""
    rows = tx.all("SELECT kafka_partition, at FROM ingest_caught_up WHERE topic = ?", (topic,))
    return {int(r["kafka_partition"]): instant(r["at"]) for r in rows}


def latest(tx: Tx) -> Watermark | None:
    """The newest recorded watermark, if any."""
    row = tx.one("SELECT seq, position, at FROM ingest_watermarks ORDER BY seq DESC LIMIT 1")
    return _mark(row) if row else None


def after(tx: Tx, seq: int, upto_position: int, limit: int | None = None) -> list[Watermark]:
    """Watermarks after `seq` recorded at or below notification `upto_position`, in order."""
    sql = "SELECT seq, position, at FROM ingest_watermarks WHERE seq > ? AND position <= ?"
    sql += " ORDER BY seq" + (f" LIMIT {int(limit)}" if limit else "")
    return [_mark(r) for r in tx.all(sql, (seq, upto_position))]


def caught_up(tx: Tx) -> dict[Partition, datetime]:
    """When each inbound partition was last read to its end."""
    rows = tx.all("SELECT topic, kafka_partition, at FROM ingest_caught_up")
    return {(str(r["topic"]), int(r["kafka_partition"])): instant(r["at"]) for r in rows}


def _mark(row: Mapping[str, object]) -> Watermark:
    return Watermark(int(str(row["seq"])), int(str(row["position"])), instant(row["at"]))
