"""Message ids compare in one spelling, whichever side wrote leading zeros or brackets."""

import pytest

from projections.correlation import message_key


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("000123.0001", "123.1"),
        ("123.1", "123.1"),
        (" <abc.123@buyer.example> ", "abc.123@buyer.example"),
        ("<0ab@x>", "0ab@x"),
        ("0.00", "0.0"),
        ("ICN00042.00017", "ICN00042.17"),
    ],
)
def test_a_message_id_is_compared_without_brackets_and_leading_zeros(
    written: str, key: str
) -> None:
    assert message_key(written) == key
