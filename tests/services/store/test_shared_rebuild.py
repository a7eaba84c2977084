"""A rebuild (`potrack replay`) beside running workers of the same projection, on a real
SQLite store: each batch is applied once, whoever applies it; what was published before
is not published again; what comes after is; and a worker learns that its rows were reset.
"""

import contextlib
import threading
from pathlib import Path

import pytest

from projections.runner import ConcurrentProjectionError, Runner
from projections.tables import positions
from projections.views.status import StatusProjection
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import acked, approved, delivered, sent

POS = 40  # 4 facts each: 160 notifications, 16 batches of 10


class Watching(StatusProjection):
    """The status projection, counting the calls of `reload()` (the runner's hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.reloads = 0

    def reload(self) -> None:
        self.reloads += 1


def history(n: int, first: int = 0) -> list:
    facts = []
    for i in range(first, first + n):
        po = f"PO-{i:04d}"
        facts += [
            approved(po=po, time=i),
            sent("S1", po=po, time=i + 1),
            delivered("S1", po=po, time=i + 2),
            acked("S1", po=po, time=i + 30),
        ]
    return facts


def rows(db: ViewDB) -> dict[str, str]:
    with db.read() as tx:
        return {r["po_number"]: r["view"] for r in tx.all("SELECT po_number, view FROM po_status")}


def queued(db: ViewDB) -> int:
    with db.read() as tx:
        return positions.queued_count(tx)


def published(db: ViewDB) -> None:
    """What the outbox publisher does once the broker has the records."""
    with db.transaction() as tx:
        tx.execute("DELETE FROM outbox")


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store = EventStore(url)
    store.record(history(POS), {}, "g")
    store.close()
    return url


def caught_up(runner: Runner) -> None:
    while runner.step().lag:
        pass


def test_a_worker_and_a_rebuild_share_the_batches_and_publish_nothing_again(url: str) -> None:
    store, db = EventStore(url), ViewDB(url)
    worker = Runner(Watching(), store, db, batch=10)
    caught_up(worker)
    before = rows(db)
    published(db)
    # `potrack replay status` in another process: its own store and views connections.
    other_store, other_db = EventStore(url), ViewDB(url)
    replay = Runner(StatusProjection(), other_store, other_db, batch=10)

    replay.reset()
    mine = 0
    turn = 0
    while True:  # the two take turns, as two processes polling the same database would
        runner = (replay, worker)[turn % 2]
        turn += 1
        try:
            step = runner.step()
        except ConcurrentProjectionError:
            continue
        mine += step.applied if runner is replay else 0
        if step.lag == 0 and step.applied == 0:
            break

    assert worker.projection.reloads == 1  # type: ignore[attr-defined]
    assert 0 < mine < POS * 4  # both applied some of the batches
    assert rows(db) == before
    assert queued(db) == 0  # every status record was published before: none again
    with db.read() as tx:
        assert positions.replay_until(tx, "status") is None  # back where it began
        assert positions.position(tx, "status") == POS * 4

    # After the rebuild, new events are published as usual, by whichever runner.
    store.record(history(1, first=POS), {}, "g")
    caught_up(replay)
    assert queued(db) == 1  # one record per PO per batch
    for s in (store, other_store):
        s.close()
    for d in (db, other_db):
        d.close()


def test_a_rebuild_beside_a_worker_thread_ends_where_the_log_ends(url: str) -> None:
    store, db = EventStore(url), ViewDB(url)
    worker = Runner(Watching(), store, db, batch=10)
    caught_up(worker)
    before = rows(db)
    published(db)
    stop = threading.Event()

    def work() -> None:  # the projection worker of `potrack run`, polling
        while not stop.is_set():
            with contextlib.suppress(ConcurrentProjectionError):
                worker.step()
            stop.wait(0.001)

    thread = threading.Thread(target=work)
    thread.start()
    other_store, other_db = EventStore(url), ViewDB(url)
    try:
        replay = Runner(StatusProjection(), other_store, other_db, batch=10)
        applied = replay.rebuild()
    finally:
        stop.set()
        thread.join()

    assert applied <= POS * 4
    assert replay.position() == POS * 4
    assert rows(db) == before
    assert queued(db) == 0
    for s in (store, other_store):
        s.close()
    for d in (db, other_db):
        d.close()


def test_an_unfinished_rebuild_stays_quiet_up_to_where_the_first_one_began(url: str) -> None:
    store, db = EventStore(url), ViewDB(url)
    runner = Runner(StatusProjection(), store, db, batch=10)
    caught_up(runner)
    published(db)

    runner.reset()
    runner.step()  # interrupted (Ctrl-C) after one batch ...
    runner.reset()  # ... and started again: still nothing published before goes out again
    caught_up(runner)

    assert queued(db) == 0
    store.close()
    db.close()


def test_a_rebuild_of_a_projection_that_never_ran_publishes_everything(url: str) -> None:
    store, db = EventStore(url), ViewDB(url)
    runner = Runner(StatusProjection(), store, db, batch=10)

    runner.rebuild()

    with db.read() as tx:  # nothing was published before: every PO is
        assert len({r["key"] for r in positions.queued(tx, 10_000)}) == POS
    store.close()
    db.close()


def test_a_writer_creates_the_store_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/dir/potrack.sqlite"

    EventStore(url).close()
    ViewDB(url).close()

    assert (tmp_path / "new" / "dir" / "potrack.sqlite").is_file()
