"""Stored events written by earlier versions replay, on both stores, to the same views.

tests/data/stored/events.jsonl holds stored events byte for byte as an earlier potrack
wrote them (see its README), views.json what that potrack made of them. Forever: a change
to a stored model must come with an upcaster, never with a rewrite of these files.
"""

import json
import sys
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from projections.runner import Runner
from projections.tables import alerts, audit, commitments, status
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB
from services.wiring import build_projections
from tests.factories import ingest_watermark

DATA = Path(__file__).resolve().parents[1] / "data" / "stored"


def stored_events() -> list[StoredEvent]:
    events = []
    for line in (DATA / "events.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        events.append(
            StoredEvent(
                originator_id=UUID(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"].encode("utf-8"),
            )
        )
    return events


def golden_views() -> dict[str, Any]:
    return json.loads((DATA / "views.json").read_text(encoding="utf-8"))


def differences(golden: Any, actual: Any, where: str = "") -> list[str]:
    """Where `actual` changed or dropped what `golden` has (added fields are allowed)."""
    if isinstance(golden, dict) and isinstance(actual, dict):
        found = []
        for key, value in golden.items():
            if key not in actual:
                found.append(f"{where}.{key}: dropped")
            else:
                found += differences(value, actual[key], f"{where}.{key}")
        return found
    if isinstance(golden, list) and isinstance(actual, list) and len(golden) == len(actual):
        return [
            found
            for i, (g, a) in enumerate(zip(golden, actual, strict=True))
            for found in differences(g, a, f"{where}[{i}]")
        ]
    return [] if golden == actual else [f"{where}: {golden!r} -> {actual!r}"]


def replay(url: str) -> dict[str, Any]:
    """Insert the golden events into the store at `url` as they are, run every projection
    from the start, and read the views back in the shape of views.json."""
    store, db = EventStore(url), ViewDB(url)
    try:
        golden = stored_events()
        for start in range(0, len(golden), 200):
            store.recorder.insert_events(golden[start : start + 200])
        # The potrack that wrote them had no ingest watermark (docs/contract.md §5, v1.1):
        # judge them as ingest would have once it had read all of them, when its clock
        # stood at the newest time it had recorded.
        newest = max(max(f.time, f.recorded_at) for _, f in store.iter_facts())
        ingest_watermark(db, store.max_notification_id(), newest)
        for projection in build_projections(Settings(store_url=url)):
            runner = Runner(projection, store, db)
            while runner.step().applied:
                pass
        with db.read() as tx:
            pos = [r["po_number"] for r in tx.all("SELECT po_number FROM po_status")]
            listed, _ = alerts.listing(tx, None, None, None, 100_000, None)
            records = tx.all(
                "SELECT record FROM performance_records ORDER BY po_number, revision, recipient"
            )
            return {
                "status": {po: status.get(tx, po) for po in sorted(pos)},
                "commitments": {c["po_number"]: c for c in commitments.listing(tx)},
                "alerts": {a["alert_id"]: a for a in listed},
                "performance": [json.loads(r["record"]) for r in records],
                "audit": [e for po in sorted(pos) for e in audit.entries(tx, po)],
                "facts": [store.facts(po) for po in sorted(pos)],
            }
    finally:
        db.close()
        store.close()


def test_golden_stored_events_replay_to_the_same_views(store_url: str) -> None:
    golden, actual = golden_views(), replay(store_url)

    assert sorted(actual["status"]) == sorted(golden["status"])
    for table in ("status", "commitments", "alerts", "performance"):
        changed = differences(golden[table], actual[table], table)
        assert changed == [], "\n".join(changed[:20])


def test_golden_stored_events_keep_their_audit_chain_to_the_byte(store_url: str) -> None:
    # The audit entry of a fact is a pure function of the stored fact: identical entries and
    # hashes prove every stored field still decodes to what was written.
    golden, actual = golden_views(), replay(store_url)

    expected = [
        {"seq": e["seq"]} | e["entry"] | {"prev_hash": e["prev_hash"], "hash": e["hash"]}
        for e in golden["audit"]
    ]
    assert actual["audit"] == expected
    assert sum(len(facts) for facts in actual["facts"]) == len(stored_events())


def write_views() -> None:
    """Rewrite views.json from the current code (only when a view's meaning changes on
    purpose, e.g. a contract change; say so in the commit). events.jsonl is never rewritten."""
    with tempfile.TemporaryDirectory() as folder:
        views = replay(f"sqlite:///{folder}/golden.sqlite")
    audit_rows = [
        {
            "seq": e["seq"],
            "po_number": e["po_number"],
            "entry": {k: v for k, v in e.items() if k not in ("prev_hash", "hash")},
            "prev_hash": e["prev_hash"],
            "hash": e["hash"],
        }
        for e in views["audit"]
    ]
    document = {k: v for k, v in views.items() if k not in ("audit", "facts")}
    document["audit"] = audit_rows
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    (DATA / "views.json").write_text(text + "\n", encoding="utf-8")
    print(f"wrote {DATA / 'views.json'}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-views"]:
        sys.exit("usage: python -m tests.integration.test_golden_stored --write-views")
    write_views()
