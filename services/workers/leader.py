"""Leadership of a singleton worker among processes sharing one views database.

On PostgreSQL the leader holds a session advisory lock (`pg_try_advisory_lock`) on a
connection of its own: the lock goes when the process dies or its connection drops (a
SIGKILL, a database restart), and another process takes it on its next try. No library:
the database's own lock needs no clock and no lease table. On SQLite (one machine,
`potrack run`) every process leads. Leadership only keeps a second publisher idle; what
makes publishing exactly once is the Kafka transactional id, which fences any process that
still believes it leads (`services.workers.outbox`).
"""

import hashlib

import psycopg

from services.store.urls import is_postgres, postgres_conninfo

CONNECT_TIMEOUT = 3  # seconds


def lock_key(name: str) -> int:
    """The advisory lock key of a leadership name: a signed 64-bit integer (PostgreSQL's
    `bigint`), the same in every process."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Leadership:
    """Who leads `name` among the processes of one views database. Synchronous: call it
    from a worker thread in async code. Raises psycopg's OperationalError when the database
    cannot be reached (the caller retries)."""

    def __init__(self, url: str, name: str) -> None:
        self.postgres = is_postgres(url)
        self.url = url
        self.key = lock_key(name)
        self._conn: psycopg.Connection | None = None

    def acquire(self) -> bool:
        """True when this process leads (now or already)."""
        if not self.postgres:
            return True
        if self._conn is not None and self.held():
            return True
        self._conn = psycopg.connect(
            postgres_conninfo(self.url), autocommit=True, connect_timeout=CONNECT_TIMEOUT
        )
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if row is not None and row[0]:
            return True
        self.release()
        return False

    def held(self) -> bool:
        """Whether the lock is still held: its connection still answers."""
        if not self.postgres:
            return True
        if self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            self.release()
            return False

    def release(self) -> None:
        """Give leadership up (closing the connection releases the lock)."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
