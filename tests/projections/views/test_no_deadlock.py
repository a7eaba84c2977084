"""The status and alerts projections in two transactions on PostgreSQL: the alerts side
flips `overdue` of PO B, then of PO A, while the status projection rewrites A and B. They
used to wait on each other's rows (PostgreSQL's deadlock detector then failed one); the
status projection now takes the alerts projection's lock first and simply waits."""

import threading
import time

from projections.runner import Context
from projections.tables import alerts, ddl, status
from projections.views.status import StatusProjection
from services.store.views import ViewDB
from tests.factories import approved, sent


def test_status_and_alerts_transactions_do_not_deadlock(postgres_url: str) -> None:
    facts = [approved(po="PO-A", time=0), approved(po="PO-B", time=0)]
    facts += [sent("S1", po="PO-A", time=1), sent("S1", po="PO-B", time=1)]
    first, second = ViewDB(postgres_url), ViewDB(postgres_url)
    with first.transaction() as tx:
        ddl.create_all(tx, True)
        StatusProjection().apply(tx, list(enumerate(facts[:2], 1)), Context(publish=False))
    errors: list[BaseException] = []
    b_locked, status_started = threading.Event(), threading.Event()

    def alerts_side() -> None:
        try:
            with first.transaction() as tx:
                alerts.lock(tx)
                status.set_overdue(tx, "PO-B", True)
                b_locked.set()
                status_started.wait(10)
                time.sleep(0.5)  # the status side now holds what it could take
                status.set_overdue(tx, "PO-A", True)
        except BaseException as exc:
            errors.append(exc)

    def status_side() -> None:
        b_locked.wait(10)
        try:
            with second.transaction() as tx:
                status_started.set()
                StatusProjection().apply(tx, list(enumerate(facts[2:], 3)), Context())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=alerts_side), threading.Thread(target=status_side)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    first.close()
    second.close()
    assert errors == []
