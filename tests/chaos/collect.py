"""Reading back what a chaos run did, for `tests.chaos.checks`: the topics (read committed,
from the first offset to the end), the event store, the views database, and the progress
figures the run waits on before it checks (ingest, gateway and notifier offsets, projection
positions, the outbox and the notifier's queue)."""

import asyncio
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import psycopg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from psycopg.rows import dict_row

from schemas.binding import BadInput, decode
from schemas.topics import INBOUND_TOPICS, OutboundType, Topic
from schemas.views import Alert
from services.notify.rules import Rules
from services.store.aggregate import po_id
from tests.chaos.checks import EventKey, Notice, OutRecord, Position

PROJECTIONS = ("status", "audit", "alerts", "performance", "commitments", "sent")
# The views compared with a rebuild (check b); a table missing on both sides is skipped.
VIEW_TABLES = (
    "po_status",
    "alerts",
    "alerts_due",
    "commitments",
    "performance_records",
    "audit",
    "sent_messages",
    "plan_addresses",
    "sent_revisions",
    "status_po_state",
    "alerts_po_state",
    "performance_po_state",
    "commitments_po_state",
)


async def partitions(bootstrap: str, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of `topics` (none for a topic that does not exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in found for p in t["partitions"]]


async def read_topic(bootstrap: str, topic: str, timeout: float = 120) -> list[ConsumerRecord]:
    """Every committed record of `topic`, from its first offset to its end now (aborted
    transactions skipped); TimeoutError when the end is not reached in `timeout` s."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    wanted = await partitions(bootstrap, [topic])
    await consumer.start()
    try:
        if not wanted:
            return []
        consumer.assign(wanted)
        await consumer.seek_to_beginning(*wanted)
        ends = await consumer.end_offsets(wanted)
        found: list[ConsumerRecord] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            done = [await consumer.position(tp) >= ends[tp] for tp in wanted]
            if all(done):
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{topic}: its end not reached in {timeout:.0f} s")
            batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for records in batch.values():
                found.extend(
                    r for r in records if r.offset < ends[TopicPartition(topic, r.partition)]
                )
    finally:
        await consumer.stop()


async def offsets(
    bootstrap: str, topics: Iterable[str], group: str | None = None
) -> dict[tuple[str, int], int]:
    """Per partition of `topics`: the end offset, or with `group` the group's committed
    offset (0 when none)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    wanted = await partitions(bootstrap, topics)
    await consumer.start()
    try:
        if group is None:
            ends = await consumer.end_offsets(wanted)
            return {(tp.topic, tp.partition): n for tp, n in ends.items()}
        return {(tp.topic, tp.partition): (await consumer.committed(tp)) or 0 for tp in wanted}
    finally:
        await consumer.stop()


@dataclass
class Sent:
    """What the inbound topics hold: per PO the distinct valid events, the positions of the
    records potrack's decoder refuses, and counts."""

    events: dict[str, set[EventKey]]
    bad: set[Position]
    records: int
    duplicates: int


def sent_events(records: Iterable[ConsumerRecord]) -> Sent:
    """Classify inbound records the way ingest does (`schemas.binding.decode`, the same
    pure function): a valid event counts once per (source, id) for its subject."""
    events: dict[str, set[EventKey]] = defaultdict(set)
    bad: set[Position] = set()
    total = valid = 0
    for record in records:
        total += 1
        try:
            event = decode(record.value, record.headers)
        except BadInput:
            bad.add((record.topic, record.partition, record.offset))
            continue
        except Exception:  # ingest dead-letters a record that trips its decoder too
            bad.add((record.topic, record.partition, record.offset))
            continue
        valid += 1
        events[event.subject].add((event.source, event.id))
    distinct = sum(len(v) for v in events.values())
    return Sent(dict(events), bad, total, valid - distinct)


def stored_events(store_url: str) -> tuple[dict[str, list[EventKey]], dict[str, int]]:
    """Per PO: the (source, id) of its stored facts in stream order, and its stream's
    highest version (read straight from eventsourcing's stored events)."""
    from services.store.events import EventStore

    store = EventStore(store_url)
    try:
        stored: dict[str, list[EventKey]] = defaultdict(list)
        for _, fact in store.iter_facts():
            stored[fact.subject].append(fact.key)
        table = store.events_table
    finally:
        store.close()
    ids = {po_id(po): po for po in stored}
    versions: dict[str, int] = {}
    with psycopg.connect(store_url) as conn:
        rows = conn.execute(
            f"SELECT originator_id, MAX(originator_version) FROM {table} GROUP BY originator_id"
        ).fetchall()
    for originator, version in rows:
        versions[ids.get(originator, f"unknown stream {originator}")] = int(version)
    return dict(stored), versions


QUOTED = re.compile(r"no po\.sent with message_id (.+)$")


def parked(url: str) -> dict[str, bool]:
    """The documents the gateway keeps waiting (`gateway_pending`), each with whether a
    message id it quotes is recorded now in `sent_messages` (then its next retry will
    correlate it: not done yet)."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        rows = conn.execute("SELECT doc_key, reason FROM gateway_pending").fetchall()
        found: dict[str, bool] = {}
        for key, reason in rows:
            match = QUOTED.search(reason)
            ids = [i.strip() for i in match[1].split(",")] if match else []
            ids = [i for i in ids if i and i != "..."]
            hit = conn.execute(
                "SELECT 1 FROM sent_messages WHERE message_id = ANY(%s) OR message_key = ANY(%s)"
                " LIMIT 1",
                (ids, ids),
            ).fetchone()
            found[key] = hit is not None or not match
    return found


def view_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the compared view tables that exist in the database at `url`."""
    found: dict[str, list[dict[str, Any]]] = {}
    with psycopg.connect(url, row_factory=dict_row) as conn:
        for table in VIEW_TABLES:
            row = conn.execute("SELECT to_regclass(%s) AS t", (table,)).fetchone()
            if row is not None and row["t"]:
                found[table] = conn.execute(f"SELECT * FROM {table}").fetchall()
    return found


def scalar(url: str, sql: str) -> int:
    """The first column of the first row of `sql`, as an int (0 for NULL)."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0] or 0) if row else 0


def out_records(records: Iterable[ConsumerRecord]) -> list[OutRecord]:
    """Outbound records (structured-mode CloudEvents) as OutRecord."""
    found = []
    for r in records:
        event = json.loads(r.value)
        found.append(
            OutRecord(
                topic=r.topic,
                partition=r.partition,
                offset=r.offset,
                key=(r.key or b"").decode(),
                id=event["id"],
                type=event["type"],
                data=event.get("data") or {},
            )
        )
    return found


def dead_positions(records: Iterable[ConsumerRecord]) -> list[Position]:
    """The source position named by each dead letter's potrack-source-* headers."""
    found = []
    for r in records:
        h = {k: (v or b"").decode() for k, v in r.headers}
        found.append(
            (
                h.get("potrack-source-topic", "?"),
                int(h.get("potrack-source-partition", "-1") or -1),
                int(h.get("potrack-source-offset", "-1") or -1),
            )
        )
    return found


def views_of(url: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The views check c compares with the topics: status (per PO), commitments (per PO),
    alerts (per alert id), as the JSON they are published as."""
    with psycopg.connect(url) as conn:
        status = conn.execute("SELECT po_number, view FROM po_status").fetchall()
        commits = conn.execute("SELECT po_number, commitment FROM commitments").fetchall()
        alerts = conn.execute("SELECT alert_id, alert FROM alerts").fetchall()
    return {
        "status": {k: json.loads(v) for k, v in status},
        "commitments": {k: json.loads(v) for k, v in commits},
        "alerts": {k: json.loads(v) for k, v in alerts},
    }


def _level(transition: str, level: int) -> int:
    # A notification shows the level only above 1, and never for a resolution.
    return 1 if transition == "resolved" else max(1, level)


def expected_notifications(alerts: Iterable[OutRecord], rules: Rules) -> Counter[Notice]:
    """Per (alert id, transition, level): how many distinct notifications the rules route
    to some target (the notifier's ledger key adds raised_at: a later episode is another)."""
    keys: set[tuple[Notice, str]] = set()
    for record in alerts:
        alert = Alert.model_validate(record.data)
        transition: Literal["raised", "resolved"] = (
            "resolved" if record.type == OutboundType.ALERT_RESOLVED else "raised"
        )
        if rules.route(alert, transition):
            notice = (alert.alert_id, transition, _level(transition, alert.escalation_level))
            keys.add((notice, alert.raised_at.isoformat()))
    return Counter(notice for notice, _ in keys)


ALERT_LINE = re.compile(r"Alert (\S+)")
LEVEL = re.compile(r"escalation level (\d+)")


def delivered_notifications(bodies: Iterable[dict[str, Any]]) -> list[Notice]:
    """One (alert id, transition, level) per webhook request (a single-alert message: its
    title names the transition and level, its text the alert id)."""
    found = []
    for body in bodies:
        title, text = str(body.get("title", "")), str(body.get("message", ""))
        transition = "resolved" if title.endswith("· resolved") else "raised"
        level = LEVEL.search(title)
        for alert_id in ALERT_LINE.findall(text):
            found.append((alert_id, transition, _level(transition, int(level[1]) if level else 1)))
    return found


INBOUND = tuple(t.value for t in INBOUND_TOPICS)
DOCUMENTS = Topic.DOCUMENTS.value
