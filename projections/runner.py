"""The generic projection runner: notification log -> view rows + position, one transaction.

A projection is pure where it matters (its rules live in pure functions); the runner
owns the I/O: it reads a batch of facts after the stored position, lets the projection
write its rows and queue outbound messages (the outbox) in the same transaction as the
new position, and retries from the stored position after any crash.
"""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from projections.db import Tx, ViewDB
from schemas.recorded import Fact
from services.store import EventStore

RUNNER_TABLES = [
    "CREATE TABLE IF NOT EXISTS projection_positions ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox ("
    " id {serial}, topic TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL,"
    " payload TEXT NOT NULL, created_at TEXT NOT NULL)",
]


@dataclass
class Context:
    """What a projection may do besides writing its own rows."""

    publish: bool = True
    replaying: bool = False
    messages: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, topic: str, key: str, type_: str, payload: dict[str, Any]) -> None:
        """Queue an outbound CloudEvent (contract topic name, key = PO number)."""
        if self.publish:
            self.messages.append((topic, key, type_, payload))


class Projection(Protocol):
    name: str

    def setup(self, tx: Tx) -> None:
        """Create tables and indexes (idempotent)."""

    def reset(self, tx: Tx) -> None:
        """Delete every row this projection derived (for a rebuild)."""

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        """Apply facts in notification order."""


def utcnow_text() -> str:
    return datetime.now(UTC).isoformat()


def setup_runner_tables(tx: Tx, postgres: bool) -> None:
    serial = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    for statement in RUNNER_TABLES:
        tx.execute(statement.format(serial=serial))


def position(tx: Tx, name: str) -> int:
    row = tx.one("SELECT position FROM projection_positions WHERE name = ?", (name,))
    return int(row["position"]) if row else 0


def move(tx: Tx, name: str, old: int, new: int) -> None:
    """Advance the position; fails if another worker moved it first (then we roll back)."""
    if old == 0 and not tx.one("SELECT 1 AS x FROM projection_positions WHERE name = ?", (name,)):
        tx.execute(
            "INSERT INTO projection_positions (name, position, updated_at) VALUES (?, ?, ?)",
            (name, new, utcnow_text()),
        )
        return
    changed = tx.execute(
        "UPDATE projection_positions SET position = ?, updated_at = ?"
        " WHERE name = ? AND position = ?",
        (new, utcnow_text(), name, old),
    )
    if changed != 1:
        raise ConcurrentProjectionError(f"{name}: position moved by another worker")


class ConcurrentProjectionError(RuntimeError):
    pass


def enqueue(tx: Tx, messages: list[tuple[str, str, str, dict[str, Any]]]) -> None:
    now = utcnow_text()
    tx.executemany(
        "INSERT INTO outbox (topic, key, type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        [(t, k, ty, json.dumps(p, separators=(",", ":")), now) for t, k, ty, p in messages],
    )


@dataclass
class Step:
    applied: int
    position: int
    head: int
    seconds: float

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


class Runner:
    """Runs one projection; `step()` applies at most one batch."""

    def __init__(self, projection: Projection, store: EventStore, db: ViewDB, batch: int = 2000):
        self.projection = projection
        self.store = store
        self.db = db
        self.batch = batch
        with db.transaction() as tx:
            setup_runner_tables(tx, db.postgres)
            projection.setup(tx)

    @property
    def name(self) -> str:
        return self.projection.name

    def position(self) -> int:
        with self.db.read() as tx:
            return position(tx, self.name)

    def step(self, *, publish: bool = True, replaying: bool = False) -> Step:
        started = time.perf_counter()
        old = self.position()
        notifications = self.store.notifications(old, self.batch)
        head = self.store.max_notification_id()
        if not notifications:
            return Step(0, old, head, time.perf_counter() - started)
        facts = [(n.id, self.store.fact_of(n)) for n in notifications]
        new = notifications[-1].id
        ctx = Context(publish=publish, replaying=replaying)
        with self.db.transaction() as tx:
            if position(tx, self.name) != old:
                raise ConcurrentProjectionError(f"{self.name}: position moved by another worker")
            self.projection.apply(tx, facts, ctx)
            enqueue(tx, ctx.messages)
            move(tx, self.name, old, new)
        return Step(len(facts), new, max(head, new), time.perf_counter() - started)

    def reset(self) -> None:
        """Forget everything derived: the next steps rebuild from the first notification."""
        with self.db.transaction() as tx:
            self.projection.reset(tx)
            tx.execute("DELETE FROM projection_positions WHERE name = ?", (self.name,))
