"""The status projection on a real SQLite store: upgrading rows written before it kept
anomaly inputs (version 1) rebuilds it, and the views then list the anomalies; rows
written before a permanent failure voided earlier transport evidence (version 2,
contract v1.1 §3) are rebuilt too."""

import json
from pathlib import Path

from projections.runner import Runner
from projections.tables import positions, status
from projections.views.status import StatusProjection
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import PO, acked, approved, cancelled, delivered, failed, sent


def test_rows_of_the_previous_version_are_rebuilt_and_then_show_the_anomalies(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    store.record([approved(time=0), acked("S1", time=600, id="855-1")], {}, "g")
    runner = Runner(StatusProjection(), store, db)
    runner.step()
    # What an earlier release left behind: states without `seen`, views without
    # anomalies, and no noted version.
    with db.transaction() as tx:
        tx.execute("DELETE FROM projection_versions")
        for row in tx.all("SELECT po_number, state FROM status_po_state"):
            state = json.loads(row["state"])
            state.pop("seen")
            tx.execute(
                "UPDATE status_po_state SET state = ? WHERE po_number = ?",
                (json.dumps(state), row["po_number"]),
            )
    store.record([cancelled(time=60), sent("S1", time=1)], {}, "g")

    upgraded = Runner(StatusProjection(), store, db)
    while upgraded.step().applied:
        pass

    assert upgraded.upgraded == (1, StatusProjection.version)
    with db.read() as tx:
        view = status.get(tx, PO)
    assert view is not None
    assert (view["status"], view["version"]) == ("cancelled", 4)
    assert [(a["id"], a["note"]) for a in view["anomalies"]] == [
        ("855-1", "po.acknowledged dated after the PO was cancelled")
    ]
    db.close()
    store.close()


def test_rows_written_before_voiding_are_rebuilt_with_the_bounce_after_delivery(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    store.record([approved(time=0), delivered("S1", time=2), failed("S1", time=5)], {}, "g")
    Runner(StatusProjection(), store, db).step()
    # What version 2 left behind: the bounce after po.delivered did not make S1 failed.
    with db.transaction() as tx:
        old = status.get(tx, PO)
        assert old is not None
        old["status"] = "awaiting_acknowledgment"
        old["recipients"][0] |= {"status": "delivered", "delivered_at": "2025-03-03T09:02:00Z"}
        tx.execute("UPDATE po_status SET view = ? WHERE po_number = ?", (json.dumps(old), PO))
        positions.set_version(tx, "status", 2)

    upgraded = Runner(StatusProjection(), store, db)
    while upgraded.step().applied:
        pass

    assert upgraded.upgraded == (2, StatusProjection.version)
    with db.read() as tx:
        view = status.get(tx, PO)
    assert view is not None
    assert view["status"] == "delivery_failed"
    assert (view["recipients"][0]["status"], view["recipients"][0]["delivered_at"]) == (
        "failed",
        None,
    )
    db.close()
    store.close()
