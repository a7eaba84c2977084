"""The alert-state checkpoint (issue 12): the alerts projection copies its rows every few
watermarks and the watermarks before the copy are pruned, so the watermark log stays
bounded; a rebuild under the same rules starts from the checkpoint and ends with the live
alerts, publishing nothing again; a rebuild under another policy starts from the first
event. Times are minutes after T0 (email: 60 minutes to deliver, acks: 48 hours)."""

from pathlib import Path
from typing import Any

from projections.runner import Runner
from projections.sla import SlaPolicy
from projections.tables import checkpoint, watermarks
from projections.views.alerts import AlertsProjection
from schemas.topics import Topic
from services.store.events import EventStore
from services.store.views import ViewDB
from services.workers.watermark import WatermarkFollower
from tests.factories import acked, approved, delivered, sent, when

HOUR = 60


def run_live(url: str, every: int) -> tuple[EventStore, ViewDB, int]:
    """Twelve POs recorded live with a watermark after each step; how many were recorded."""
    store, db = EventStore(url), ViewDB(url)
    projection = AlertsProjection(SlaPolicy(), checkpoint_every=every)
    runner, follower = Runner(projection, store, db), WatermarkFollower(projection, db, 1.0)
    marks, t = 0, 0
    for n in range(12):
        po = f"PO-{n}"
        steps = [[approved(po=po, time=t)], [sent("S1", po=po, time=t + 1)]]
        if n % 3:  # a third is never delivered: delivery overdue, then critical
            steps.append([delivered("S1", po=po, time=t + 30 + 40 * (n % 2))])
        if n % 4 == 1:  # some are acknowledged late, some rejected
            steps.append([acked("S1", po=po, time=t + 50 * HOUR, decision="rejected")])
        for facts in steps:
            t = max(t, *(int((f.time - when(0)).total_seconds() // 60) for f in facts))
            store.record([f.model_copy(update={"recorded_at": f.time}) for f in facts], {}, "g")
            while runner.step().applied:
                pass
            for at in (t + 1, t + 90):
                with db.transaction() as tx:
                    partition = {("po.distribution.v1", 0): when(at)}
                    watermarks.record(tx, partition, partition, store.max_notification_id)
                marks += 1
                follower.follow()
            t += 90
    return store, db, marks


def alert_rows(db: ViewDB) -> list[dict[str, Any]]:
    with db.read() as tx:
        return tx.all("SELECT * FROM alerts ORDER BY alert_id")


def published_alerts(db: ViewDB) -> int:
    with db.read() as tx:
        row = tx.one("SELECT COUNT(*) AS n FROM outbox WHERE topic = ?", (Topic.ALERTS,))
    return int(row["n"]) if row else 0


def watermark_rows(db: ViewDB) -> int:
    with db.read() as tx:
        row = tx.one("SELECT COUNT(*) AS n FROM ingest_watermarks")
    return int(row["n"]) if row else 0


def test_watermarks_are_pruned_behind_the_checkpoint_and_a_rebuild_resumes_from_it(
    tmp_path: Path,
) -> None:
    store, db, recorded = run_live(f"sqlite:///{tmp_path}/p.sqlite", every=25)
    live, sent_live = alert_rows(db), published_alerts(db)
    with db.read() as tx:
        mark = checkpoint.latest(tx)
    assert mark is not None and mark.position > 0
    assert sent_live > 0 and any(r["resolved_at"] is None for r in live)
    assert watermark_rows(db) <= recorded - mark.seq + 1  # the marks since the copy

    rebuilt = Runner(AlertsProjection(SlaPolicy(), checkpoint_every=25), store, db)
    applied = rebuilt.rebuild()

    assert 0 < applied == store.max_notification_id() - mark.position  # resumed after it
    assert rebuilt.restored == mark.position
    assert alert_rows(db) == live
    assert published_alerts(db) == sent_live  # the ledger had every transition
    db.close()
    store.close()


def test_without_checkpoints_every_watermark_is_kept(tmp_path: Path) -> None:
    store, db, recorded = run_live(f"sqlite:///{tmp_path}/p.sqlite", every=0)
    assert watermark_rows(db) == recorded
    with db.read() as tx:
        assert checkpoint.latest(tx) is None
    db.close()
    store.close()


def test_a_rebuild_under_another_policy_starts_from_the_first_event(tmp_path: Path) -> None:
    store, db, _ = run_live(f"sqlite:///{tmp_path}/p.sqlite", every=25)
    other = SlaPolicy.model_validate({"acknowledgment_hours": 24})
    runner = Runner(AlertsProjection(other, checkpoint_every=25), store, db)
    assert runner.policy_changed
    with db.transaction() as tx:
        assert runner.projection.restore(tx) == 0  # type: ignore[attr-defined]
    db.close()
    store.close()
