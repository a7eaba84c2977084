"""The view tables: every DDL (`ddl`) and every query of them, one module per projection.

SQL is written once with `?` placeholders (the adapter converts them for psycopg); upserts
use `ON CONFLICT`, which SQLite and PostgreSQL both speak; JSON is stored as text; times
are stored as fixed-width UTC text so that text order is time order in both engines.
Queries take a `Tx` (one open transaction); the adapter that provides it lives in
`services.store.views`. Nothing here opens a connection.
"""

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

Row = dict[str, Any]
CHUNK = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


class Tx(Protocol):
    """One open transaction; rows come back as dicts."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per parameter row (nothing when `rows` is empty)."""
        ...

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        ...


class Database(Protocol):
    """Where the view tables live; `transaction()` is the unit of atomic work."""

    @property
    def postgres(self) -> bool:
        """True on PostgreSQL, False on SQLite."""
        ...

    def transaction(self) -> AbstractContextManager[Tx]:
        """A write transaction: commit on success, roll back on any exception."""
        ...

    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction."""
        ...


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    """`items` in slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(items: Sequence[Any]) -> str:
    """`?, ?, ...`: one placeholder per item."""
    return ", ".join("?" for _ in items)


def instant_text(time: datetime) -> str:
    """UTC with microseconds and `+00:00` (alerts and their clock store times like this)."""
    return time.astimezone(UTC).isoformat(timespec="microseconds")


def sortable(time: datetime | None) -> str | None:
    """UTC, fixed width, `Z` (performance records store times like this)."""
    return time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if time else None


def instant(value: Any) -> datetime:
    """A stored time (text, or a datetime from the driver) as an aware datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
