"""The projection runner on a real SQLite store: batches, positions, versions."""

from collections.abc import Sequence
from pathlib import Path

from projections.runner import Context, Runner
from projections.sla import SlaPolicy
from projections.tables import Tx, positions, status
from projections.views.status import StatusProjection
from schemas.recorded import Fact
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import PO, acked, approved, delivered, sent


class Counting:
    """Counts the facts it was given, in a table of its own making (test only)."""

    name = "counting"
    publishes_on_replay = False

    def __init__(self, version: int) -> None:
        self.version = version
        self.applied = 0
        self.resets = 0

    def reset(self, tx: Tx) -> None:
        self.resets += 1

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        self.applied += len(facts)


def test_a_step_applies_a_batch_and_moves_the_position(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    store.record([approved(time=0), sent("S1", time=1), delivered("S1", time=2)], {}, "g")
    projection = Counting(version=1)
    runner = Runner(projection, store, db, batch=2)

    first, second, third = runner.step(), runner.step(), runner.step()

    assert (first.applied, first.position, first.lag) == (2, 2, 1)
    assert (second.applied, second.position, second.lag) == (1, 3, 0)
    assert third.applied == 0
    assert projection.applied == 3
    db.close()
    store.close()


def test_rows_of_another_version_are_rebuilt_from_the_first_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    store.record([approved(time=0), sent("S1", time=1)], {}, "g")
    first = Runner(Counting(version=1), store, db)
    assert first.upgraded is None  # a new store: nothing of another version to rebuild
    first.step()

    same = Runner(Counting(version=1), store, db)
    assert (same.upgraded, same.position()) == (None, 2)

    newer = Counting(version=2)
    upgraded = Runner(newer, store, db)

    assert (upgraded.upgraded, upgraded.position()) == ((1, 2), 0)
    assert newer.resets == 1
    assert upgraded.step().applied == 2
    with db.read() as tx:
        assert positions.version(tx, "counting") == 2
    assert Runner(Counting(version=2), store, db).upgraded is None
    db.close()
    store.close()


def test_rows_made_under_another_sla_policy_are_rebuilt_on_start(tmp_path: Path) -> None:
    # A tolerance edited in the SLA policy file must reach the views of history too.
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    answer = {"lines": [{"line": 1, "decision": "changed", "quantity": "98"}]}
    store.record(
        [approved(time=0), acked("S1", time=5, decision="accepted_with_changes", **answer)],
        {},
        "g",
    )
    first = Runner(StatusProjection(SlaPolicy()), store, db)
    first.step()
    assert first.upgraded is None or not first.policy_changed
    lenient = SlaPolicy.model_validate({"tolerance": {"quantity_pct": 5}})
    again = Runner(StatusProjection(SlaPolicy()), store, db)
    assert again.upgraded is None  # the same policy: nothing to rebuild
    changed = Runner(StatusProjection(lenient), store, db)
    assert changed.upgraded == (StatusProjection.version, StatusProjection.version)
    assert changed.policy_changed
    while changed.step().applied:
        pass
    with db.read() as tx:
        view = status.get(tx, PO)
    assert view is not None and view["recipients"][0]["within_tolerance"] is True
    db.close()
    store.close()
