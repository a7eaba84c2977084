"""A small book of POs every API test starts from (times are minutes after T0)."""

from datetime import datetime, timedelta

from schemas.recorded import Fact
from tests.factories import T0, acked, approved, delivered, failed, sent

FOUR_DAYS = 4 * 24 * 60


def rfc3339(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def book() -> list[Fact]:
    """PO-1001 acknowledged, PO-1002 failed, PO-1003 rejected, PO-1004 overdue, PO-1005 new."""
    return [
        approved(["S1"], ["AP"], po="PO-1001", time=0),
        sent("S1", po="PO-1001", time=5),
        sent("AP", po="PO-1001", time=5),
        delivered("S1", po="PO-1001", time=10),
        delivered("AP", po="PO-1001", time=10),
        acked("S1", po="PO-1001", time=120),
        approved(["S1"], po="PO-1002", time=0),
        sent("S1", po="PO-1002", time=5),
        failed("S1", po="PO-1002", time=10),
        approved(["S1"], po="PO-1003", time=0, supplier_id="SUP-2"),
        sent("S1", po="PO-1003", time=5),
        delivered("S1", po="PO-1003", time=10),
        acked("S1", po="PO-1003", time=60, decision="rejected"),
        approved(["S1"], po="PO-1004", time=0, supplier_id="SUP-2"),
        sent("S1", po="PO-1004", time=5),
        delivered("S1", po="PO-1004", time=10),
        # Four days later: the event-time clock passes PO-1004's 48 h acknowledgment deadline.
        approved(["S1"], po="PO-1005", time=FOUR_DAYS, supplier_id="SUP-3"),
    ]


def shifted(facts: list[Fact], start: datetime, recorded_at: datetime) -> list[Fact]:
    """The same facts moved from T0 to `start` in event time, recorded at `recorded_at`."""
    delta = start - T0
    return [
        f.model_copy(update={"time": f.time + delta, "recorded_at": recorded_at}) for f in facts
    ]


def many(count: int, *, start: int = 0, supplier_id: str = "SUP-9") -> list[Fact]:
    """`count` freshly approved POs PO-9000.. (for paging)."""
    return [
        approved(["S1"], po=f"PO-{9000 + i:04d}", time=i, supplier_id=supplier_id)
        for i in range(start, start + count)
    ]
