"""RFC 3339 instants as `?as_of=` and `--as-of` take them (docs/contract.md §6)."""

from datetime import UTC, datetime

import pytest

from schemas.instants import parse_instant


def test_an_offset_is_applied() -> None:
    assert parse_instant("2026-11-29T00:00:00+05:30") == datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
    assert parse_instant("2026-11-29T00:00:00-23:59") == datetime(2026, 11, 29, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize("offset", ["+25:00", "-24:00", "+05:60"])
def test_an_offset_outside_rfc_3339_is_refused_in_its_own_words(offset: str) -> None:
    with pytest.raises(ValueError, match=f"offset {offset.replace('+', '[+]')} is not between"):
        parse_instant(f"2026-11-29T00:00:00{offset}")
