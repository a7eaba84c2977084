"""Alerts judged at the ingest watermark (docs/contract.md §5), through the real broker and
both stores: a month of back-filled history raises no alert for a deadline it meets
itself, and a live deadline that passes with nothing recorded is raised within two clock
periods."""

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from projections.alerts import OVERDUE, WITHDRAWN
from projections.deadlines import deadlines
from projections.fold import fold
from projections.sla import parse_sla
from projections.tables import watermarks
from schemas.topics import Topic
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.integration.kit import ce, potrack, potrack_env, produce, structured, wait_for
from tests.integration.test_projections import caught_up, load_history

CLOCK_SECONDS = 2.0
# The live PO's supplier gets a 3-second email delivery window; history keeps the defaults.
SLA = """
[suppliers.SUP-LIVE]
delivery_minutes = { email = 0.05 }
"""


def alerts_and_states(url: str, sla: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every alert row, and every PO's deadlines by (kind, revision, recipient)."""
    store, db = EventStore(url), ViewDB(url)
    try:
        with db.read() as tx:
            rows = [json.loads(r["alert"]) for r in tx.all("SELECT alert FROM alerts")]
        due: dict[Any, Any] = {}
        for po in {r["po_number"] for r in rows} | set(_pos(db)):
            for d in deadlines(fold(po, store.facts(po)), sla):
                due[(po, OVERDUE[d.kind], d.revision, d.recipient)] = d
        return rows, due
    finally:
        db.close()
        store.close()


def _pos(db: ViewDB) -> list[str]:
    with db.read() as tx:
        return [r["po_number"] for r in tx.all("SELECT po_number FROM po_status")]


def live_alert_seen(url: str, po: str) -> dict[str, Any] | None:
    db = ViewDB(url)
    try:
        with db.read() as tx:
            row = tx.one("SELECT alert FROM alerts WHERE po_number = ?", (po,))
        return json.loads(row["alert"]) if row else None
    except Exception:
        return None
    finally:
        db.close()


async def test_backfilled_history_raises_nothing_it_meets_and_live_deadlines_fire(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    await load_history(kafka_bootstrap, topic_prefix, 1500, seed=47)
    sla_file = tmp_path / "sla.toml"
    sla_file.write_text(SLA, encoding="utf-8")
    sla = parse_sla(SLA, "test")
    env = potrack_env(
        kafka_bootstrap,
        store_url,
        topic_prefix,
        POTRACK_ALERT_CLOCK_SECONDS=str(CLOCK_SECONDS),
        POTRACK_SLA_FILE=str(sla_file),
    )
    log = tmp_path / "potrack.log"
    with potrack(["ingest"], env, log), potrack(["project"], env, log):
        await asyncio.to_thread(wait_for, lambda: caught_up(store_url), 240, 1.0, "projections")
        rows, due = alerts_and_states(store_url, sla)
        overdue = [a for a in rows if a["kind"] in OVERDUE.values()]
        assert overdue, "a month of slow and silent suppliers misses some deadlines"
        met_in_time = [d for d in due.values() if d.closed_at is not None and d.closed_at <= d.due]
        assert met_in_time, "and meets most of them"
        for alert in overdue:
            deadline = due[
                (alert["po_number"], alert["kind"], alert["revision"], alert["recipient"])
            ]
            assert deadline.closed_at is None or deadline.closed_at > deadline.due, alert
        assert not [a for a in rows if a.get("detail") == WITHDRAWN]

        # Live: approved now, its 3-second delivery window passes with nothing recorded.
        approved_at = datetime.now(UTC)
        plan = {
            "revision": 1,
            "supplier": {"id": "SUP-LIVE", "name": "Live"},
            "currency": "EUR",
            "total_amount": "10.00",
            "lines": [{"line": 1, "sku": "A-1", "quantity": 1, "unit_price": "10.00"}],
            "recipients": [{"id": "live", "kind": "supplier", "channel": "email"}],
        }
        event = ce("po.approved", "PO-LIVE-1", plan, "live-1", approved_at.isoformat())
        await produce(kafka_bootstrap, [structured(f"{topic_prefix}{Topic.DISTRIBUTION}", event)])
        seen = await asyncio.to_thread(_first_seen, store_url, "PO-LIVE-1", 60)
    due_at = approved_at + timedelta(seconds=3)
    assert seen[0]["kind"] == "delivery_overdue"
    assert datetime.fromisoformat(seen[0]["due_at"].replace("Z", "+00:00")) == due_at
    late = (seen[1] - due_at).total_seconds()
    assert 0 <= late <= 2 * CLOCK_SECONDS, f"raised {late:.1f} s after its deadline"
    db = ViewDB(store_url)
    try:
        with db.read() as tx:
            mark = watermarks.latest(tx)
        assert mark is not None and mark.at >= due_at
    finally:
        db.close()


def _first_seen(url: str, po: str, timeout: float) -> tuple[dict[str, Any], datetime]:
    """The PO's first alert and the wall time it was first seen (polled every 0.1 s)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        alert = live_alert_seen(url, po)
        if alert is not None:
            return alert, datetime.now(UTC)
        time.sleep(0.1)
    raise AssertionError(f"no alert for {po} within {timeout} s")


async def test_documents_on_their_way_through_the_gateway_hold_the_watermark(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    """A back-filled PO whose acknowledgment is an X12 855 dated before its deadline, all
    published at once (the 997 and 855 before the po.sent they answer): the gateway
    translates them seconds after ingest had the CloudEvents, and no alert is raised."""
    from services.kafka import ensure_topics
    from services.settings import Settings
    from tests.integration.test_gateway import (
        PARTNERS,
        approved,
        document,
        sent,
        view,
        x12_documents,
    )

    partners = tmp_path / "partners.toml"
    partners.write_text(PARTNERS, encoding="utf-8")
    env = potrack_env(
        kafka_bootstrap,
        store_url,
        topic_prefix,
        POTRACK_PARTNERS_FILE=str(partners),
        POTRACK_GATEWAY_GROUP=f"{topic_prefix}gateway",
        POTRACK_ALERT_CLOCK_SECONDS="1",
    )
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    message_id, docs = x12_documents()
    await produce(
        kafka_bootstrap,
        [document(f"{topic_prefix}{Topic.DOCUMENTS}", d, "application/edi-x12") for d in docs]
        + [
            structured(f"{topic_prefix}{Topic.DISTRIBUTION}", e)
            for e in (
                approved("PO-X", "sup-x12", "edi", "SUP-X12"),
                sent("PO-X", "sup-x12", "edi", message_id),
            )
        ],
    )
    log = tmp_path / "potrack.log"
    with (
        potrack(["ingest"], env, log),
        potrack(["project"], env, log),
        potrack(["gateway"], env, log),
    ):

        def acknowledged_and_judged() -> bool:
            try:
                found = view(store_url, "PO-X")
            except Exception:  # no tables yet
                return False
            answered = found is not None and found["recipients"][0]["acknowledged_at"] is not None
            return answered and caught_up(store_url)

        await asyncio.to_thread(wait_for, acknowledged_and_judged, 120, 0.5, "PO-X judged")
    rows, _ = alerts_and_states(store_url, parse_sla("", "default"))
    # The 855 proposes a change (it is dated before its deadline): that alert, nothing late.
    assert [r["kind"] for r in rows if r["po_number"] == "PO-X"] == ["changes_proposed"]
