"""The ingest watermark's parts: checkpoints reached by recorded positions (pure), and the
watermark log on a real SQLite store (docs/contract.md §5)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from projections.tables import ddl, watermarks
from services.ingest.watermark import CatchUp
from services.store.views import ViewDB

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
A, B = TopicPartition("po.distribution.v1", 0), TopicPartition("po.delivery.v1", 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_partition_is_caught_up_as_of_a_checkpoint_once_its_end_is_recorded() -> None:
    catch_up = CatchUp()
    catch_up.checkpoint(at(0), {A: 10, B: 0})
    assert catch_up.reached({A: 9, B: 0}) == {B: at(0)}
    catch_up.checkpoint(at(1), {A: 15, B: 0})
    # A lagging consumer still moves: it reaches the older checkpoint first.
    assert catch_up.reached({A: 12, B: 0}) == {A: at(0), B: at(1)}
    assert catch_up.reached({A: 15}) == {A: at(1)}
    assert catch_up.reached({A: 15, B: 0}) == {}


def test_a_revoked_partition_keeps_no_checkpoint() -> None:
    catch_up = CatchUp()
    catch_up.checkpoint(at(0), {A: 1, B: 1})
    catch_up.forget([A])
    assert catch_up.reached({A: 5, B: 5}) == {B: at(0)}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[ViewDB]:
    views = ViewDB("sqlite:///" + str(tmp_path / "potrack.sqlite"))
    views.ensure_tables()
    yield views
    views.close()


def record(db: ViewDB, caught: dict[tuple[str, int], datetime], head: int) -> object:
    every = {(A.topic, A.partition), (B.topic, B.partition)}
    with db.transaction() as tx:
        return watermarks.record(tx, caught, every, lambda: head)


def test_the_watermark_is_the_least_caught_up_time_and_only_moves_forward(db: ViewDB) -> None:
    a, b = (A.topic, A.partition), (B.topic, B.partition)
    assert record(db, {a: at(5)}, 3) is None, "B was never read to its end: nothing to say"
    first = record(db, {b: at(2)}, 4)
    assert first == watermarks.Watermark(seq=1, position=4, at=at(2))
    assert record(db, {a: at(1)}, 6) is None, "an older claim neither lowers A nor moves it"
    second = record(db, {b: at(9)}, 7)
    assert second == watermarks.Watermark(seq=2, position=7, at=at(5))
    with db.read() as tx:
        assert watermarks.after(tx, 0, 6) == [first]
        assert watermarks.after(tx, 1, 100) == [second]
        assert watermarks.latest(tx) == second
        assert watermarks.caught_up(tx) == {a: at(5), b: at(9)}


def test_ticks_of_the_clock_before_the_watermark_become_its_first_watermarks(db: ViewDB) -> None:
    with db.transaction() as tx:
        tx.execute("DELETE FROM ingest_watermarks")
        tx.execute("CREATE TABLE alert_clock (seq BIGINT, position BIGINT, at TEXT)")
        tx.execute("INSERT INTO alert_clock VALUES (1, 10, '2026-11-30T09:00:00.000000+00:00')")
        ddl.create_all(tx, postgres=False)
        assert watermarks.latest(tx) == watermarks.Watermark(1, 10, T0)
