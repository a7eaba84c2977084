"""A rebuild applies the log in large batches (`Runner.rebuild_batch`), each one transaction
with its position: a rebuild that dies between batches resumes where the last one ended
and makes the same rows as one that never stopped (real SQLite store)."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from projections.runner import Context, Runner
from projections.tables import Tx, positions
from projections.views.status import StatusProjection
from schemas.recorded import Fact
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import acked, approved, delivered, sent


class Sizes:
    """Notes the size of every batch it is given (test only)."""

    name = "sizes"
    version = 1
    publishes_on_replay = False

    def __init__(self) -> None:
        self.batches: list[int] = []

    def reset(self, tx: Tx) -> None:
        self.batches.clear()

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        self.batches.append(len(facts))


class Crashing(StatusProjection):
    """The status projection, dying in its `crash_at`-th batch (a SIGKILLed replay)."""

    def __init__(self, crash_at: int) -> None:
        super().__init__()
        self.crash_at = crash_at
        self.calls = 0

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        self.calls += 1
        super().apply(tx, facts, ctx)  # its rows are written, then the process dies
        if self.calls == self.crash_at:
            raise KeyboardInterrupt


def history(pos: int) -> list[Fact]:
    facts = []
    for i in range(pos):
        po = f"PO-{i:04d}"
        facts += [
            approved(po=po, time=i),
            sent("S1", po=po, time=i + 1),
            delivered("S1", po=po, time=i + 2),
            acked("S1", po=po, time=i + 30),
        ]
    return facts


def views(db: ViewDB) -> dict[str, str]:
    with db.read() as tx:
        return {r["po_number"]: r["view"] for r in tx.all("SELECT po_number, view FROM po_status")}


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store = EventStore(url)
    # Recorded a few POs at a time, so each PO's facts lie in one stretch of the log.
    facts = history(12)
    for start in range(0, len(facts), 8):
        store.record(facts[start : start + 8], {}, "g")
    store.close()
    return url


def test_a_rebuild_applies_the_log_in_batches_of_rebuild_batch(url: str) -> None:
    store, db = EventStore(url), ViewDB(url)
    projection = Sizes()
    runner = Runner(projection, store, db, batch=2, rebuild_batch=20)

    applied = runner.rebuild()

    assert applied == 48
    assert projection.batches == [20, 20, 8]
    assert Runner(Sizes(), store, db, batch=50, rebuild_batch=20).rebuild_batch == 50
    db.close()
    store.close()


def test_a_rebuild_killed_between_batches_resumes_to_the_same_rows(url: str) -> None:
    store, db = EventStore(url), ViewDB(url)
    Runner(StatusProjection(), store, db, batch=5).rebuild()
    whole = views(db)

    dying = Runner(Crashing(crash_at=2), store, db, batch=5, rebuild_batch=20)
    with pytest.raises(KeyboardInterrupt):
        dying.rebuild()
    with db.read() as tx:  # the first batch and its position committed, the second not
        assert positions.position(tx, "status") == 20
    assert len(views(db)) < len(whole)
    resumed = Runner(StatusProjection(), store, db, batch=5, rebuild_batch=20)
    while resumed.step(limit=resumed.rebuild_batch).applied:
        pass

    assert resumed.position() == 48
    assert views(db) == whole
    db.close()
    store.close()
