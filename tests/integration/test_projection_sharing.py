"""Two processes applying the same audit batch at once on PostgreSQL: the later one's
insert of the same row fails before its position check. The worker loop counts that as
the projection being shared (the position moved), not as a failure."""

import threading
from collections.abc import Sequence

from projections.runner import Context, Runner
from projections.tables import Tx
from projections.views.audit import AuditProjection
from schemas.recorded import Fact
from services.store.events import EventStore
from services.store.views import ViewDB
from services.workers.projection_loop import UNIQUE_VIOLATIONS
from tests.factories import approved, sent


class Paused(AuditProjection):
    """The audit projection, holding its transaction open after writing its rows."""

    def __init__(self, written: threading.Event, go_on: threading.Event) -> None:
        self.written, self.go_on = written, go_on

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        super().apply(tx, facts, ctx)
        self.written.set()
        self.go_on.wait(10)


def test_a_batch_applied_by_another_process_first_is_sharing_not_a_failure(
    postgres_url: str,
) -> None:
    store = EventStore(postgres_url)
    store.record([approved(time=0), sent("S1", time=1)], {}, "g")
    written, go_on = threading.Event(), threading.Event()
    first_db, second_db = ViewDB(postgres_url), ViewDB(postgres_url)
    first = Runner(Paused(written, go_on), store, first_db)
    second = Runner(AuditProjection(), store, second_db)
    errors: list[BaseException] = []

    def later() -> None:
        written.wait(10)
        threading.Timer(0.5, go_on.set).start()  # the first commits while this one waits
        try:
            second.step()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=later)
    thread.start()
    first.step()
    thread.join(20)

    assert len(errors) == 1 and isinstance(errors[0], UNIQUE_VIOLATIONS), errors
    assert second.moved_by_another()
    assert not first.moved_by_another()
    for db in (first_db, second_db):
        db.close()
    store.close()
