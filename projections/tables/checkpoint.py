"""The alert-state checkpoint: the alerts projection's rows copied as they stood at one
notification position and one judged watermark, so that the watermarks before it can be
pruned (issue 12: the watermark log grew by a row per clock period, about 43k a day at the
2 s clock) and a rebuild of the same rules and SLA policy resumes from it.

- `alerts_checkpoint` (one row): `seq` (the last watermark judged), `position` (the last
  notification applied), `clock`, and the projection `version` and SLA `policy` it was
  taken under; a rebuild under other rules or another policy starts from the first event.
- `alerts_checkpoint_states`, `_alerts`, `_due`: copies of `alerts_po_state`, `alerts` and
  `alerts_due` (whose due times include the POs waiting for the next watermark).

The publication ledger (`alert_published`) is never reset, so it needs no copy; sets
aside at a reset (`alerts_superseded`) are settled by the rebuild itself. Taken in the
alerts projection's own transaction (`projections.views.alerts`), so it is always a state
the projection really had.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from projections.tables import Tx, instant, instant_text

# (live table, checkpoint copy): the same columns in both.
COPIES = (
    ("alerts_po_state", "alerts_checkpoint_states"),
    ("alerts", "alerts_checkpoint_alerts"),
    ("alerts_due", "alerts_checkpoint_due"),
)


@dataclass(frozen=True)
class Checkpoint:
    """Where a checkpoint stands: the last watermark judged (`seq`), the last notification
    applied (`position`), the clock (UTC) and what it was made under."""

    seq: int
    position: int
    clock: datetime | None
    version: int
    policy: int | None


def latest(tx: Tx) -> Checkpoint | None:
    """The checkpoint, if one was taken."""
    row = tx.one("SELECT seq, position, clock, version, policy FROM alerts_checkpoint")
    if row is None:
        return None
    return Checkpoint(
        seq=int(row["seq"]),
        position=int(row["position"]),
        clock=instant(row["clock"]) if row["clock"] else None,
        version=int(row["version"]),
        policy=int(row["policy"]) if row["policy"] is not None else None,
    )


def take(tx: Tx, mark: Checkpoint, *, keep: int) -> int:
    """Copy the projection's rows as the checkpoint at `mark`, then prune the watermarks
    more than `keep` before it (`keep` >= 0 watermarks stay for inspection). Returns how
    many watermark rows were deleted. Call it at the end of the projection's pass, in its
    transaction."""
    for live, copy in COPIES:
        tx.execute(f"DELETE FROM {copy}")
        tx.execute(f"INSERT INTO {copy} SELECT * FROM {live}")
    tx.execute("DELETE FROM alerts_checkpoint")
    tx.execute(
        "INSERT INTO alerts_checkpoint (id, seq, position, clock, version, policy, taken_at)"
        " VALUES (1, ?, ?, ?, ?, ?, ?)",
        (
            mark.seq,
            mark.position,
            instant_text(mark.clock) if mark.clock else None,
            mark.version,
            mark.policy,
            instant_text(datetime.now(UTC)),
        ),
    )
    return tx.execute("DELETE FROM ingest_watermarks WHERE seq < ?", (mark.seq - keep,))


def restore(tx: Tx, version: int, policy: int | None) -> Checkpoint | None:
    """Put the checkpoint's rows back as the projection's (which the caller has just
    reset) when it was taken under this `version` and `policy`; the checkpoint, or None
    (none, or made under other rules: the rebuild starts from the first event)."""
    mark = latest(tx)
    if mark is None or mark.version != version or mark.policy != policy:
        return None
    for live, copy in COPIES:
        tx.execute(f"DELETE FROM {live}")
        tx.execute(f"INSERT INTO {live} SELECT * FROM {copy}")
    tx.execute(
        "UPDATE alerts_cursor SET applied_seq = ?, clock = ? WHERE id = 1",
        (mark.seq, instant_text(mark.clock) if mark.clock else None),
    )
    return mark


def drop(tx: Tx) -> None:
    """Forget the checkpoint (its rows were made under rules no longer in force)."""
    tx.execute("DELETE FROM alerts_checkpoint")
    for _, copy in COPIES:
        tx.execute(f"DELETE FROM {copy}")
