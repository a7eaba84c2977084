"""Finance benchmarks: the commitments rebuild, the cash forecast now (from the
commitments projection) and as of an instant (from the store), each against the raw
reads they cannot beat."""

import json
import time
from datetime import UTC, datetime

from projections.runner import Runner
from projections.sla import SlaPolicy
from projections.views.commitments import CommitmentsProjection
from services import reads
from services.runtime import tune_gc
from services.store.events import EventStore
from services.store.views import ViewDB


def finance_rates(store_url: str) -> dict[str, float]:
    """Commitments rebuild events/s; forecast-now commitments/s vs select + json.loads of
    the same rows; forecast-as-of events/s vs select + decode of the whole log."""
    tune_gc()
    store, db = EventStore(store_url), ViewDB(store_url)
    try:
        runner = Runner(CommitmentsProjection(SlaPolicy()), store, db, batch=2000)
        started = time.perf_counter()
        applied = runner.rebuild()
        rebuild = applied / (time.perf_counter() - started)
        started = time.perf_counter()
        with db.read() as tx:
            rows = [
                json.loads(r["commitment"]) for r in tx.all("SELECT commitment FROM commitments")
            ]
        raw_rows = len(rows) / (time.perf_counter() - started)
        started = time.perf_counter()
        now = reads.forecast_now(db, bucket="week")
        forecast_rows = len(rows) / (time.perf_counter() - started)
        assert now.currencies, "the workload has commitments"
        started = time.perf_counter()
        decoded = sum(1 for _ in store.iter_facts(batch=2000))
        raw_events = decoded / (time.perf_counter() - started)
        started = time.perf_counter()
        reads.forecast_as_of(store, datetime.now(UTC), SlaPolicy(), bucket="week")
        as_of_events = decoded / (time.perf_counter() - started)
        return {
            "rebuild": rebuild,
            "commitments": len(rows),
            "raw_rows": raw_rows,
            "forecast_rows": forecast_rows,
            "raw_events": raw_events,
            "as_of_events": as_of_events,
        }
    finally:
        db.close()
        store.close()
