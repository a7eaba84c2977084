"""The sent projection on a real SQLite store: what a reply document correlates with."""

from pathlib import Path

from projections.correlation import SentMessage
from projections.runner import Runner
from projections.tables import sent
from projections.views.sent import SentProjection
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import PO, approved, revised, when
from tests.factories import sent as sent_event


def test_sent_messages_are_found_by_id_by_group_and_by_the_last_revision_sent(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    store.record(
        [
            approved(time=0),
            sent_event("S1", time=60, channel="edi", message_id="000042.0001"),
            sent_event("S1", time=90, channel="edi", message_id="42.0002", po="PO-2"),
            sent_event("ap", time=70),  # no message id: only the revision is noted
            revised(time=3600, revision=2),
            sent_event("S1", time=3700, revision=2, channel="edi", message_id="43.0001"),
        ],
        {},
        "g",
    )
    runner = Runner(SentProjection(), store, db)
    while runner.step().applied:
        pass
    runner.step()  # applying nothing new changes nothing

    with db.read() as tx:
        first = sent.by_id(tx, "42.1")
        group = sent.in_group(tx, "0042")
        before_revision = sent.last_revision(tx, PO, "S1", when(3600))
        latest = sent.last_revision(tx, PO, "S1", None)
        internal = sent.last_revision(tx, PO, "ap", when(100))
        nothing = sent.by_id(tx, "44.0001"), sent.last_revision(tx, PO, "S1", when(30))

    assert first == [SentMessage("000042.0001", PO, 1, "S1", "edi", when(60))]
    assert [m.message_id for m in group] == ["000042.0001", "42.0002"]
    assert (before_revision, latest, internal) == (1, 2, 1)
    assert nothing == ([], None)
    db.close()
    store.close()
