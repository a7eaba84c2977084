"""Projections against the real broker and both stores: outbound topics, SIGKILL, replay."""

import asyncio
import json
import signal
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from projections.tables import alerts, watermarks
from projections.views import PROJECTION_NAMES
from schemas.topics import Topic
from services.kafka import ensure_topics
from services.settings import Settings
from services.simulate.traffic import generate, publish
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.integration.kit import consume, potrack, potrack_env, run_cli, wait_for

VIEW_TABLES = {
    "po_status": "po_number",
    "audit": "po_number, seq",
    "alerts": "alert_id",
    "commitments": "po_number",
    "performance_records": "po_number, revision, recipient",
}


async def load_history(bootstrap: str, prefix: str, count: int, seed: int) -> int:
    """Publish a month of simulated traffic; returns how many good, distinct events it holds."""
    await ensure_topics(Settings(kafka_bootstrap_servers=bootstrap, topic_prefix=prefix))
    events = list(generate(seed, count, datetime.now(UTC), days=20, bad_fraction=0.01))
    await publish(events, bootstrap, topic_prefix=prefix)
    return sum(1 for e in events if e.bad is None and not e.duplicate)


def caught_up(url: str) -> bool:
    store, db = EventStore(url), ViewDB(url)
    try:
        head = store.max_notification_id()
        with db.read() as tx:
            rows = tx.all("SELECT name, position FROM projection_positions")
            outbox = tx.one("SELECT COUNT(*) AS n FROM outbox")
            mark = watermarks.latest(tx)
            judged = alerts.cursor(tx)[0]
            waiting = tx.one(
                "SELECT COUNT(*) AS n FROM alerts_due WHERE next_check = ?", (alerts.PENDING,)
            )
        positions = {r["name"]: int(r["position"]) for r in rows}
        done = all(positions.get(name) == head for name in PROJECTION_NAMES)
        # ... and the alerts judged at a watermark taken after ingest had everything.
        done = done and mark is not None and mark.position == head and judged == mark.seq
        done = done and waiting is not None and int(waiting["n"]) == 0  # no PO left to judge
        return head > 0 and done and outbox is not None and int(outbox["n"]) == 0
    except Exception:
        return False
    finally:
        db.close()
        store.close()


def watermarked(url: str, events: int) -> bool:
    """The store holds `events` notifications and ingest recorded a watermark after them."""
    db = ViewDB(url)
    try:
        with db.read() as tx:
            mark = watermarks.latest(tx)
        return mark is not None and mark.position >= events
    except Exception:
        return False
    finally:
        db.close()


def snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    db = ViewDB(url)
    try:
        with db.read() as tx:
            return {t: tx.all(f"SELECT * FROM {t} ORDER BY {k}") for t, k in VIEW_TABLES.items()}
    finally:
        db.close()


def value(record: Any) -> dict[str, Any]:
    return json.loads(record.value)


async def test_a_mixed_stream_flows_to_status_alerts_and_commitments_topics(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    await load_history(kafka_bootstrap, topic_prefix, 1500, seed=31)
    env = potrack_env(kafka_bootstrap, store_url, topic_prefix, POTRACK_ALERT_CLOCK_SECONDS="1")
    log = tmp_path / "potrack.log"
    with potrack(["ingest"], env, log), potrack(["project"], env, log):
        await asyncio.to_thread(wait_for, lambda: caught_up(store_url), 240, 1.0, "projections")
    db = ViewDB(store_url)
    with db.read() as tx:
        views = {r["po_number"]: json.loads(r["view"]) for r in tx.all("SELECT * FROM po_status")}
        open_alerts = tx.all("SELECT * FROM alerts")
        commitments = tx.all("SELECT po_number, state FROM commitments")
    db.close()
    statuses = await consume(kafka_bootstrap, f"{topic_prefix}{Topic.STATUS}", len(views))
    latest: dict[str, dict[str, Any]] = {}
    for record in statuses:
        event = value(record)
        assert (event["specversion"], event["source"], event["type"]) == (
            "1.0",
            "urn:potrack",
            "po.status",
        )
        assert record.key.decode() == event["subject"] == event["data"]["po_number"]
        previous = latest.get(event["subject"])
        assert previous is None or previous["version"] <= event["data"]["version"]
        latest[event["subject"]] = event["data"]
    assert latest == views  # the last record of every PO is its current view
    assert {v["status"] for v in views.values()} >= {"acknowledged", "awaiting_acknowledgment"}
    assert open_alerts, "a month of traffic with slow and silent suppliers raises alerts"
    alerts = await consume(kafka_bootstrap, f"{topic_prefix}{Topic.ALERTS}", len(open_alerts))
    for record in alerts:
        event = value(record)
        assert event["type"] in ("po.alert.raised", "po.alert.resolved")
        data = event["data"]
        assert data["kind"] in {a["kind"] for a in open_alerts}
        assert {
            "alert_id",
            "po_number",
            "revision",
            "severity",
            "raised_at",
            "escalation_level",
        } <= set(data)
    published = await consume(
        kafka_bootstrap, f"{topic_prefix}{Topic.COMMITMENTS}", len(commitments)
    )
    last_commitment = {r.key.decode(): value(r)["data"] for r in published}
    assert {c["po_number"]: c["state"] for c in commitments} == {
        k: v["state"] for k, v in last_commitment.items()
    }
    assert {c["state"] for c in commitments} >= {"open", "confirmed", "disputed"}
    # docs/contract.md §5 (v1.1): while disputed the amount stays the PO total and a
    # proposal rides beside it; every schedule adds up to its amount, to the digit.
    for po, published_commitment in last_commitment.items():
        amount = Decimal(published_commitment["amount"])
        if published_commitment["state"] != "cancelled":
            paid = sum(Decimal(p["amount"]) for p in published_commitment["payments"])
            assert paid == amount, po
        if published_commitment["state"] == "disputed":
            assert amount == Decimal(views[po]["total_amount"]), po
    proposals = [c for c in last_commitment.values() if c.get("proposed_amount") is not None]
    assert proposals, "a month of traffic has suppliers proposing changes"


async def test_sigkilled_projection_workers_leave_views_identical_to_a_full_rebuild(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    distinct = await load_history(kafka_bootstrap, topic_prefix, 1500, seed=47)
    env = potrack_env(
        kafka_bootstrap,
        store_url,
        topic_prefix,
        POTRACK_PROJECTION_BATCH_SIZE="40",
        POTRACK_ALERT_CLOCK_SECONDS="0.5",
    )
    log = tmp_path / "potrack.log"
    with potrack(["ingest"], env, log):
        await asyncio.to_thread(wait_for, lambda: watermarked(store_url, distinct), 120, 0.5)
    for delay in (1.5, 2.5, 3.5):
        with potrack(["project"], env, log) as proc:
            await asyncio.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    with potrack(["project"], env, log):
        await asyncio.to_thread(wait_for, lambda: caught_up(store_url), 240, 1.0, "projections")
    incremental = snapshot(store_url)
    store = EventStore(store_url)
    for po in {r["po_number"] for r in incremental["po_status"]}:
        seqs = [r["seq"] for r in incremental["audit"] if r["po_number"] == po]
        assert seqs == list(range(1, store.get(po).version + 1)), po  # none missing or twice
    store.close()

    rebuilt = run_cli(["replay"], env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "events/s" in rebuilt.stdout
    assert snapshot(store_url) == incremental


async def test_replaying_history_raises_the_same_alerts_and_publishes_none(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    await load_history(kafka_bootstrap, topic_prefix, 1000, seed=53)
    env = potrack_env(kafka_bootstrap, store_url, topic_prefix, POTRACK_ALERT_CLOCK_SECONDS="0.5")
    log = tmp_path / "potrack.log"
    alerts_topic = f"{topic_prefix}{Topic.ALERTS}"
    with potrack(["ingest"], env, log), potrack(["project"], env, log):
        await asyncio.to_thread(wait_for, lambda: caught_up(store_url), 240, 1.0, "projections")
    before = snapshot(store_url)["alerts"]
    assert before
    published_live = len(await consume(kafka_bootstrap, alerts_topic, 1, timeout=10))
    published_live = len(await consume(kafka_bootstrap, alerts_topic, published_live, timeout=10))

    replayed = run_cli(["replay", "alerts"], env)
    assert replayed.returncode == 0, replayed.stderr
    with potrack(
        ["project", "alerts"], env, log
    ):  # its outbox publisher would send anything queued
        await asyncio.to_thread(wait_for, lambda: caught_up_alerts(store_url), 60, 0.5, "alerts")
        await asyncio.sleep(3)
    assert snapshot(store_url)["alerts"] == before
    after = await consume(kafka_bootstrap, alerts_topic, published_live, timeout=10)
    assert len(after) == published_live


def caught_up_alerts(url: str) -> bool:
    db = ViewDB(url)
    try:
        with db.read() as tx:
            return int(tx.one("SELECT COUNT(*) AS n FROM outbox")["n"]) == 0  # type: ignore[index]
    finally:
        db.close()


async def test_a_tampered_audit_row_makes_verify_fail_at_that_row(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    await load_history(kafka_bootstrap, topic_prefix, 400, seed=59)
    env = potrack_env(kafka_bootstrap, store_url, topic_prefix)
    log = tmp_path / "potrack.log"
    with potrack(["ingest"], env, log), potrack(["project", "audit"], env, log):
        await asyncio.to_thread(
            wait_for, lambda: audit_rows(store_url) >= 300, 120, 0.5, "audit rows"
        )
        await asyncio.sleep(2)
    db = ViewDB(store_url)
    with db.read() as tx:
        po = tx.one("SELECT po_number FROM audit WHERE seq = 4 ORDER BY po_number LIMIT 1")[
            "po_number"
        ]  # type: ignore[index]
    ok = run_cli(["audit", po, "--verify"], env)
    assert ok.returncode == 0, ok.stderr
    assert "verified" in ok.stderr
    with db.transaction() as tx:
        row = tx.one("SELECT entry FROM audit WHERE po_number = ? AND seq = 3", (po,))
        entry = json.loads(row["entry"])  # type: ignore[index]
        entry["time"] = "2020-01-01T00:00:00Z"  # someone back-dates an event
        tx.execute(
            "UPDATE audit SET entry = ? WHERE po_number = ? AND seq = 3",
            (json.dumps(entry, sort_keys=True, separators=(",", ":")), po),
        )
    db.close()
    broken = run_cli(["audit", po, "--verify"], env)
    assert broken.returncode == 1
    assert "BROKEN at entry 3" in broken.stderr


def audit_rows(url: str) -> int:
    db = ViewDB(url)
    try:
        with db.read() as tx:
            return int(tx.one("SELECT COUNT(*) AS n FROM audit")["n"])  # type: ignore[index]
    except Exception:
        return 0
    finally:
        db.close()
