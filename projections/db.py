"""Views database: the same SQLite file or PostgreSQL database as the event store.

A deliberately thin layer: SQL is written once with `?` placeholders (converted for
psycopg), upserts use `ON CONFLICT`, which both engines speak, JSON is stored as text.
"""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import unquote, urlparse

from services.store import store_environment

Row = dict[str, Any]


class Tx:
    """One open transaction; rows come back as dicts."""

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
    """Connections to the views database; `transaction()` is the unit of atomic work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = urlparse(url).scheme in ("postgresql", "postgres")
        self._local = threading.local()
        self._pool: Any = None
        if self.postgres:
            from psycopg_pool import ConnectionPool

            p = urlparse(url)
            conninfo = (
                f"host={p.hostname or '127.0.0.1'} port={p.port or 5432} "
                f"dbname={unquote(p.path.lstrip('/'))} user={unquote(p.username or 'postgres')} "
                f"password={unquote(p.password or '')} connect_timeout=10"
            )
            self._pool = ConnectionPool(conninfo, min_size=1, max_size=8, open=True)
        else:
            self.path = store_environment(url)["SQLITE_DBNAME"]

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
                yield Tx(cur, postgres=True)
            return
        conn = self._sqlite()
        cur = conn.cursor()
        # IMMEDIATE takes the write lock up front: no deadlock upgrading a read lock.
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield Tx(cur, postgres=False)
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            cur.close()

    def read(self) -> AbstractContextManager[Tx]:
        return self.transaction(write=False)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
