"""The store's faster paths keep eventsourcing's guarantees: PostgreSQL inserts from
binary arrays (`PostgresBatchRecorder`) keep the log's order, the positions in the same
transaction and the version conflict of a stale writer; `UpcastingMapper.fact_of` reads
the same fact as the full domain event, of every stored version."""

from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from services.store.events import EventStore
from services.store.stored import UpcastingMapper
from tests.factories import acked, approved, delivered, sent
from tests.integration.test_golden_stored import stored_events


def test_postgres_records_in_order_with_positions_and_refuses_a_stale_writer(
    postgres_url: str,
) -> None:
    store = EventStore(postgres_url, cache_size=1000)
    first = [approved(po="PO-1", time=0), approved(po="PO-2", time=0), sent("S1", po="PO-1")]
    later = [delivered("S1", po="PO-1", time=2), acked("S1", po="PO-2", time=3)]
    store.record(first, {("in", 0): 3}, "g")
    store.record(later, {("in", 0): 5}, "g")

    log = list(store.iter_facts())
    assert [n for n, _ in log] == [1, 2, 3, 4, 5]
    assert [f.key for _, f in log] == [f.key for f in first[0::2] + first[1:2] + later]
    assert [f.key for f in store.facts("PO-1")] == [first[0].key, first[2].key, later[0].key]
    assert store.position("g", "in", 0) == 5

    stale = EventStore(postgres_url, cache_size=1000)
    stale.get("PO-2")  # cached at version 2 ...
    store.record([sent("S1", po="PO-2", time=4)], {("in", 0): 6}, "g")  # ... now stale
    with pytest.raises(IntegrityError):
        stale.record([sent("S2", po="PO-2", time=5)], {("in", 0): 6}, "other")
    assert stale.position("other", "in", 0) is None  # nothing of the batch was written
    assert store.max_notification_id() == 6
    stale.close()
    store.close()


def test_fact_of_reads_the_fact_the_domain_event_carries(tmp_path: Path) -> None:
    store = EventStore(f"sqlite:///{tmp_path}/potrack.sqlite")
    mapper = store.mapper
    assert isinstance(mapper, UpcastingMapper)
    store.record([approved(po="PO-1", time=0), sent("S1", po="PO-1", time=1)], {}, "g")
    # Every stored version potrack ever wrote (the golden v1 events are upcast) and
    # events of the current version (read without building the domain event).
    golden = stored_events() + store.notifications(0, 10)

    facts = [mapper.fact_of(e) for e in golden]

    assert facts == [mapper.to_domain_event(e).fact for e in golden]  # type: ignore[attr-defined]
    assert {e.topic for e in golden} >= {"services.domain:PurchaseOrder.Started"}
    store.close()
