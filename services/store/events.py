"""Event-store adapter (eventsourcing on SQLite or PostgreSQL): batches in, facts out.

One call to `record` writes the new domain events of many POs AND the consumed Kafka
positions in one transaction; that is what makes ingest exactly-once. The store is also
the projections' notification log (`projections.runner.NotificationLog`).
"""

import contextlib
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    Mapper,
    Notification,
    ProcessRecorder,
    StoredEvent,
    Tracking,
    Transcoder,
)
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder
from psycopg.sql import SQL, Identifier

from schemas.recorded import Fact
from services.retry import call_with_retry
from services.store.aggregate import PurchaseOrder, po_id
from services.store.stored import StateTranscoder, UpcastingMapper
from services.store.urls import make_sqlite_dir, probe, store_environment

SCHEMA_LOCK = 0x706F74726B01  # any constant: the advisory lock of schema creation


class _MultiTracking:
    """Mixin: `insert_events(..., trackings=[...])` records several positions in the txn."""

    def _insert_events(self, c: Any, stored_events: Sequence[Any], **kwargs: Any) -> Any:
        result = super()._insert_events(c, stored_events, **kwargs)  # type: ignore[misc]
        for tracking in kwargs.get("trackings", ()):
            self._insert_tracking(c, tracking)  # type: ignore[attr-defined]
        return result


class SQLiteBatchRecorder(_MultiTracking, SQLiteProcessRecorder):
    pass


class PostgresBatchRecorder(_MultiTracking, PostgresProcessRecorder):  # type: ignore[misc]
    """On PostgreSQL, processes that start at the same moment race to create the schema
    (`CREATE OR REPLACE FUNCTION` fails with "tuple concurrently updated", `CREATE TYPE`
    with a unique violation): creation is serialized by an advisory lock and retried.

    Stored events are inserted from four arrays in binary format (`_insert_stored_events`)
    instead of eventsourcing's one array of its composite type, which psycopg writes as
    text, escaping every byte of every state with a regular expression: that was a fifth
    of ingest's time in the store. Same table, same lock, same RETURNING, same order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._insert_arrays = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            id_type=Identifier(self.datastore.originator_id_type),
        )

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # As PostgresApplicationRecorder does (the table lock keeps insert order equal to
        # commit order, `NOTIFY` wakes listeners), then the insert from arrays. unnest of
        # several arrays yields their elements in order: notification ids follow
        # `stored_events`, as eventsourcing's `_fetch_ids_after_insert_events` expects.
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self._insert_arrays,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
            prepare=True,
        )

    def create_table(self) -> None:
        call_with_retry(
            "create the event store schema",
            super().create_table,
            on=(psycopg.errors.InternalError_, psycopg.errors.UniqueViolation),
            attempts=5,
            event="event store schema busy, retrying",
        )

    def _create_table(self, curs: Any) -> None:
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,), prepare=False)
        super()._create_table(curs)


class PotrackApplication(Application[UUID]):
    name = "potrack"

    def construct_transcoder(self) -> Transcoder:
        return StateTranscoder()

    def construct_mapper(self) -> Mapper[UUID]:
        return UpcastingMapper(transcoder=self.construct_transcoder())

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()


@dataclass(frozen=True)
class Recorded:
    new: int
    duplicates: int


RECENT_FACTS = 20_000  # a few batches of every projection running in this process


def position_name(group: str, topic: str, partition: int) -> str:
    return f"kafka:{group}:{topic}:{partition}"


class EventStore:
    """The source of truth. Synchronous: call it from a worker thread in async code.

    Opening creates the store when it is missing (a SQLite file and its directory, the
    tables); callers that only read check `services.store.urls.exists` first. A PostgreSQL
    server that refuses, rejects or does not answer raises `StoreUnavailable` with the
    reason within seconds (`services.store.urls.probe`)."""

    def __init__(self, url: str, *, cache_size: int = 0) -> None:
        self.url = url
        env = store_environment(url, cache_size=cache_size)  # ValueError: not a store URL
        probe(url)
        if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
            make_sqlite_dir(url)
        self.app = PotrackApplication(env=env)
        self.recorder: ProcessRecorder = self.app.recorder  # type: ignore[assignment]
        self.mapper: UpcastingMapper = self.app.mapper  # type: ignore[assignment]
        self._recent: OrderedDict[int, Fact] = OrderedDict()

    def close(self) -> None:
        self.app.close()

    @property
    def events_table(self) -> str:
        """The stored-events table (its name differs between engines)."""
        return str(self.recorder.events_table_name)  # type: ignore[attr-defined]

    def get(self, po_number: str) -> PurchaseOrder | None:
        try:
            return self.app.repository.get(po_id(po_number))
        except AggregateNotFoundError:
            return None

    def facts(self, po_number: str) -> list[Fact]:
        """Every accepted fact of a PO in recorded order."""
        events = self.app.events.get(po_id(po_number))
        return [e.fact for e in events]  # type: ignore[attr-defined]

    def record(
        self, facts: Sequence[Fact], positions: dict[tuple[str, int], int], group: str
    ) -> Recorded:
        """Record facts (deduped) and next-offset positions in one transaction.

        Raises eventsourcing's IntegrityError on a concurrent writer (a stale cache, or a
        consumer that lost its partition); nothing is written then and the cache is cleared.
        """
        by_po: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts:
            by_po[fact.subject].append(fact)
        aggregates, new = [], 0
        try:
            absent = self._absent(list(by_po))
            for po_number, po_facts in by_po.items():
                aggregate = None if po_number in absent else self.get(po_number)
                for fact in po_facts:
                    if aggregate is None:
                        aggregate = PurchaseOrder.start(fact)
                        new += 1
                    else:
                        new += aggregate.record(fact)
                aggregates.append(aggregate)
            trackings = [
                Tracking(position_name(group, topic, partition), offset)
                for (topic, partition), offset in sorted(positions.items())
            ]
            self.app.save(*aggregates, trackings=trackings)
        except Exception:
            # Cached aggregates may hold events that were never stored: forget them.
            self.evict([po_id(p) for p in by_po])
            raise
        return Recorded(new=new, duplicates=len(facts) - new)

    def _absent(self, po_numbers: list[str]) -> set[str]:
        """POs with no stream yet, in one query instead of one failed load each.

        Only asked for POs missing from the aggregate cache; if another process creates
        one meanwhile, our insert conflicts on its version and the batch is retried.
        """
        cache = self.app.repository.cache
        unknown = []
        for po_number in po_numbers:
            try:
                if cache is None:
                    raise KeyError(po_number)
                cache.get(po_id(po_number))
            except KeyError:
                unknown.append(po_number)
        if not unknown:
            return set()
        ids = {po_id(p): p for p in unknown}
        table = self.events_table
        with self.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            if isinstance(self.recorder, SQLiteProcessRecorder):
                keys = [i.hex for i in ids]
                marks = ", ".join("?" for _ in keys)
                cursor.execute(
                    f"SELECT DISTINCT originator_id FROM {table} WHERE originator_id IN ({marks})",
                    keys,
                )
                found = {UUID(row[0]) for row in cursor.fetchall()}
            else:
                cursor.execute(
                    f"SELECT DISTINCT originator_id FROM {table} WHERE originator_id = ANY(%s)",
                    (list(ids),),
                )
                found = {UUID(str(row["originator_id"])) for row in cursor.fetchall()}
        return {p for i, p in ids.items() if i not in found}

    def evict(self, ids: list[UUID]) -> None:
        cache = self.app.repository.cache
        if cache is not None:
            for aggregate_id in ids:
                with contextlib.suppress(KeyError):
                    cache.get(aggregate_id, evict=True)

    def position(self, group: str, topic: str, partition: int) -> int | None:
        """The next offset to consume, as recorded with the last committed batch."""
        return self.recorder.max_tracking_id(position_name(group, topic, partition))

    def max_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    def notifications(self, after: int, limit: int) -> list[Notification]:
        return list(self.recorder.select_notifications(start=after + 1, limit=limit))

    def fact_of(self, notification: Notification) -> Fact:
        """The fact of a notification. Recently decoded facts are kept: projections in one
        process read the same notifications, and a fact (with its typed payload) is immutable,
        so each is decoded once rather than once per projection."""
        fact = self._recent.get(notification.id)
        if fact is None:
            fact = self.mapper.fact_of(notification)
            self._recent[notification.id] = fact
            if len(self._recent) > RECENT_FACTS:
                self._recent.popitem(last=False)
        return fact

    def facts_after(self, position: int, limit: int) -> list[tuple[int, Fact]]:
        """Up to `limit` (notification id, fact) pairs after `position`, in log order."""
        return [(n.id, self.fact_of(n)) for n in self.notifications(position, limit)]

    def iter_facts(self, *, after: int = 0, batch: int = 5000) -> Iterator[tuple[int, Fact]]:
        """Every fact in global (notification) order, with its notification id."""
        while chunk := self.facts_after(after, batch):
            yield from chunk
            after = chunk[-1][0]
