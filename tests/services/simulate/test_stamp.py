"""Stamped documents are the documents their builder writes (MIME boundaries aside)."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

from services.simulate.b2b import mail
from services.simulate.documents.stamp import Stamps, Value

BOUNDARY = re.compile(rb"=_[0-9a-f]{24}")
ZONE = timezone(timedelta(hours=-5))


def mdn(values: Sequence[Value]) -> bytes:
    date, own, original, subject = values
    assert isinstance(date, datetime) and isinstance(own, str)
    assert isinstance(original, str) and isinstance(subject, str)
    return mail.mdn(
        original_message_id=original,
        final_recipient="orders@acme.example",
        to="purchasing@buyer.example",
        date=date,
        message_id=own,
        subject=subject,
    )


def values(n: int) -> list[Value]:
    return [
        datetime(2026, 3, 1 + n, 9, 30, n, tzinfo=ZONE),
        f"{n:016X}@acme.example",
        f"po.PO-2026-{n:06d}.r1.{n:012x}@mail.buyer.example",
        f"Purchase Order PO-2026-{n:06d} (revision {n % 9 + 1})",
    ]


def test_stamped_documents_equal_what_the_builder_writes() -> None:
    stamps = Stamps()
    for n in range(1, 25):
        stamped = stamps(("mdn", "orders@acme.example"), mdn, values(n))
        assert BOUNDARY.sub(b"", stamped) == BOUNDARY.sub(b"", mdn(values(n)))
    assert len(stamps._shapes) == 1  # one template served them all


def test_a_value_the_builder_transforms_gets_no_template() -> None:
    def shouting(v: Sequence[Value]) -> bytes:
        return mdn([v[0], v[1], v[2], str(v[3]).upper()])

    stamps = Stamps()
    sample = values(3)
    assert stamps(("upper",), shouting, sample) == shouting(sample)
    assert list(stamps._shapes.values()) == [None]


def test_short_values_and_utc_dates_are_written_in_full() -> None:
    stamps = Stamps()
    sample = values(4)
    when = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    short: list[Value] = [when, "x@y", sample[2], sample[3]]
    assert stamps(("short",), mdn, short) == mdn(short)
