"""Digests: which queued transitions of a target go out now, and together."""

from datetime import UTC, datetime, timedelta

from projections.tables.notifications import Queued
from services.notify.digest import messages

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def row(n: int, *, queued: float, window: float) -> Queued:
    """Row `n`, queued `queued` minutes before NOW with a `window`-minute digest."""
    at = NOW - timedelta(minutes=queued)
    return Queued(
        alert_id=f"PO-{n}/r1/sup/acknowledgment_overdue",
        transition="raised",
        level=1,
        raised_at=NOW - timedelta(days=1),
        target="url:x",
        label="json://h/x",
        message="notification",
        single=window == 0,
        po_number=f"PO-{n}",
        queued_at=at,
        due_at=at + timedelta(minutes=window),
        item={},
        id=n,
    )


def ids(batches: list[list[Queued]]) -> list[list[int | None]]:
    return [[q.id for q in batch] for batch in batches]


def test_nothing_goes_out_before_the_window_of_the_oldest_row_closes() -> None:
    rows = [row(1, queued=10, window=15), row(2, queued=1, window=15)]

    assert messages(rows, NOW) == []


def test_when_the_window_closes_everything_queued_for_the_target_goes_in_one_message() -> None:
    rows = [row(1, queued=16, window=15), row(2, queued=3, window=15), row(3, queued=0, window=15)]

    assert ids(messages(rows, NOW)) == [[1, 2, 3]]


def test_a_zero_window_sends_each_transition_alone_at_once() -> None:
    rows = [row(1, queued=0, window=0), row(2, queued=0, window=0), row(3, queued=1, window=15)]

    assert ids(messages(rows, NOW)) == [[1], [2]]


def test_a_long_backlog_goes_out_in_slices() -> None:
    rows = [row(n, queued=20, window=15) for n in range(1, 8)]

    assert ids(messages(rows, NOW, most=3)) == [[1, 2, 3], [4, 5, 6], [7]]
