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


def line(
    number: int, quantity: str, unit_price: str, need_by: str | None = None
) -> dict[str, object]:
    """A PO line (`lines` of po.approved): quantity and unit price as exact decimal text."""
    found = {"line": number, "sku": f"SKU-{number}", "quantity": quantity, "unit_price": unit_price}
    return found | ({"need_by": need_by} if need_by else {})


def handed_over(po: str, time: float, who: str = "S1") -> list[Fact]:
    """`who` was sent and delivered PO `po` at `time` (minutes after T0)."""
    return [sent(who, po=po, time=time), delivered(who, po=po, time=time + 1)]


def finance_book() -> list[Fact]:
    """Commitments in JPY (0 decimals), EUR (2) and KWD (3), payment terms 30 days:

    - PO-J1 JPY 1234567, due 2025-05-10: the supplier proposes quantity 6 instead of 7 on
      line 1 at 90 -> disputed, proposed 6 * 176366 + 5 = 1058201;
    - PO-J2 JPY 300000, due 2025-04-19 (a Saturday): accepted at 120 -> confirmed;
    - PO-E1 EUR 1250.50, open: 1000.500 due 2025-04-24, 250 due 2025-05-05;
    - PO-E2 EUR 999.99 cancelled at 30: left out;
    - PO-E3 EUR 100 without lines nor dates: open, undated;
    - PO-E4 EUR 100: the supplier proposes 2 instead of 1 on line 1 at 100 -> disputed
      (proposed 140): 40 due 2025-01-19, 60 due 2026-02-09;
    - PO-K1 KWD 12.5, due 2025-05-01: accepted at 110 -> confirmed.
    """
    from tests.factories import cancelled  # here: the lines above this helper stay as they are

    return [
        approved(
            po="PO-J1",
            currency="JPY",
            total="1234567",
            lines=[line(1, "7", "176366", "2025-04-10"), line(2, "1", "5", "2025-04-10")],
        ),
        *handed_over("PO-J1", 5),
        acked(
            "S1",
            po="PO-J1",
            time=90,
            decision="accepted_with_changes",
            lines=[
                {"line": 1, "decision": "changed", "quantity": "6"},
                {"line": 2, "decision": "accepted"},
            ],
        ),
        approved(
            po="PO-J2",
            currency="JPY",
            total="300000",
            lines=[line(1, "3", "100000", "2025-03-20")],
        ),
        *handed_over("PO-J2", 5),
        acked("S1", po="PO-J2", time=120),
        approved(
            po="PO-E1",
            total="1250.50",
            lines=[line(1, "100", "10.005", "2025-03-25"), line(2, "2", "125", "2025-04-05")],
        ),
        approved(po="PO-E2", total="999.99", lines=[line(1, "1", "999.99", "2025-03-25")]),
        cancelled(po="PO-E2", time=30),
        approved(po="PO-E3", total="100", lines=[]),
        approved(
            po="PO-E4",
            total="100",
            lines=[line(1, "1", "40", "2024-12-20"), line(2, "1", "60", "2026-01-10")],
        ),
        *handed_over("PO-E4", 5),
        acked(
            "S1",
            po="PO-E4",
            time=100,
            decision="accepted_with_changes",
            lines=[
                {"line": 1, "decision": "changed", "quantity": "2"},
                {"line": 2, "decision": "accepted"},
            ],
        ),
        approved(
            po="PO-K1", currency="KWD", total="12.5", lines=[line(1, "1", "12.5", "2025-04-01")]
        ),
        *handed_over("PO-K1", 5),
        acked("S1", po="PO-K1", time=110),
    ]


def lines_book() -> list[Fact]:
    """PO-L1 (EUR, five lines, need-by 2025-04-01) answered at 60 line by line: 1 accepted,
    2 changed (quantity 10 -> 8, unit price 2.50 -> 2.75), 3 backordered (promised
    2025-04-15), 4 rejected, 5 left out (missing), and line 9 it does not have."""
    return [
        approved(
            po="PO-L1",
            total="229.00",
            lines=[
                line(1, "4", "5.00", "2025-04-01"),
                line(2, "10", "2.50", "2025-04-01"),
                line(3, "6", "12.00", "2025-04-01"),
                line(4, "1", "100.00", "2025-04-01"),
                line(5, "2", "15.50", "2025-04-01"),
            ],
        ),
        *handed_over("PO-L1", 5),
        acked(
            "S1",
            po="PO-L1",
            time=60,
            decision="accepted_with_changes",
            lines=[
                {"line": 1, "decision": "accepted", "promised_date": "2025-04-01"},
                {"line": 2, "decision": "changed", "quantity": "8", "unit_price": "2.75"},
                {"line": 3, "decision": "backordered", "promised_date": "2025-04-15"},
                {"line": 4, "decision": "rejected"},
                {"line": 9, "decision": "accepted", "quantity": "1"},
            ],
        ),
    ]


NAMES = ["Acme Parts", "Borealis Fasteners", "Contoso Industrial Components Europe GmbH"]


def suppliers_book(count: int = 13) -> list[Fact]:
    """`count` named suppliers SUP-1001.. with three POs each (PO-S<k>-A/B/C), handed over at
    0 and answered 1 h (on time) or 60 h (late, past the 48 h default) later: A accepted,
    B and C (for k <= 11) rejected; A is late for every third supplier and B for every
    even one, so the on-time rates differ (SUP-1012 0 %, SUP-1006 33 %, ... 100 %). Names
    of three kinds, one of them long (cut to fit on the dashboard)."""
    facts: list[Fact] = []
    for k in range(1, count + 1):
        supplier = {"id": f"SUP-{1000 + k}", "name": f"{NAMES[k % 3]} {k}"}
        for part, decision, late in (
            ("A", "accepted", k % 3 == 0),
            ("B", "rejected", k % 2 == 0),
            ("C", "rejected", False),
        ):
            if part == "C" and k > 11:
                continue
            po = f"PO-S{k:02d}-{part}"
            facts += [
                approved(["S1"], po=po, time=0, supplier=supplier),
                *handed_over(po, 1),
                acked("S1", po=po, time=60 * (60 if late else 1), decision=decision),
            ]
    return facts
