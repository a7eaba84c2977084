"""Views database adapter: the same SQLite file or PostgreSQL database as the event store.

Implements `projections.tables.Database`: a deliberately thin layer over sqlite3 and a
psycopg pool. SQL is written once with `?` placeholders (converted here for psycopg).
"""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from projections.tables import Row, Tx, ddl
from services.store.urls import is_postgres, make_sqlite_dir, postgres_conninfo, probe, sqlite_path


class CursorTx:
    """One open transaction over a DB-API cursor (`projections.tables.Tx`)."""

    def __init__(self, cursor: Any, postgres: bool) -> None:
        self._cursor = cursor
        self._postgres = postgres

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._postgres else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._cursor.execute(self._sql(sql), tuple(params))
        return int(self._cursor.rowcount or 0)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(sql), [tuple(r) for r in rows])

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(self._sql(sql), tuple(params))
        names = [d[0] for d in self._cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in self._cursor.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None


class ViewDB:
    """Connections to the views database; `transaction()` is the unit of atomic work.

    Like `EventStore`, opening creates a missing SQLite file's directory, and a PostgreSQL
    server that cannot be used raises `StoreUnavailable` with the reason within seconds."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = is_postgres(url)
        self._local = threading.local()
        self._pool: Any = None
        if self.postgres:
            from psycopg_pool import ConnectionPool

            probe(url)
            conninfo = postgres_conninfo(url)
            self._pool = ConnectionPool(conninfo, min_size=1, max_size=8, open=True)
        else:
            self.path = sqlite_path(url)
            make_sqlite_dir(url)

    @property
    def dialect(self) -> str:
        return "postgres" if self.postgres else "sqlite"

    def _sqlite(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=30, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        """Commit on success, roll back on any exception."""
        if self.postgres:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield CursorTx(cur, postgres=True)
            return
        conn = self._sqlite()
        cur = conn.cursor()
        # IMMEDIATE takes the write lock up front: no deadlock upgrading a read lock.
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield CursorTx(cur, postgres=False)
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            cur.close()

    def read(self) -> AbstractContextManager[Tx]:
        return self.transaction(write=False)

    def ensure_tables(self) -> None:
        """Create every view table that is missing (`projections.tables.ddl`)."""
        with self.transaction() as tx:
            ddl.create_all(tx, self.postgres)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
