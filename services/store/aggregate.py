"""The PO aggregate (write model): dedupes on (source, id), records facts with their
anomaly notes. Pure: no I/O.

Stored events are named by stable topics (`TOPIC`), not by where the classes live, so
the classes can move; the topics written before 2026-12 (`services.domain:...`) are
registered as aliases, and every stored event of any version stays readable. A change to
what an event stores bumps its `class_version` and adds an `upcast_vN_vM` static method
(eventsourcing's upcasting, applied by `services.store.stored`); the golden stored
payloads (tests/data/stored) and the stored-model fingerprint test make sure of it.
"""

from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from projections.anomalies import change, notes_for
from projections.fold import PoState, evolve
from schemas.recorded import Fact

PO_NAMESPACE = uuid5(NAMESPACE_URL, "urn:potrack:po")


@lru_cache(maxsize=100_000)  # asked several times per PO and batch (cache, absent, save)
def po_id(po_number: str) -> UUID:
    """The aggregate id of a PO number (stable, so any process finds the same stream)."""
    return uuid5(PO_NAMESPACE, po_number)


class PurchaseOrder(Aggregate):
    """One PO's stream: every accepted fact, once, in recorded order.

    The first accepted fact creates the aggregate, so its version equals the number of
    accepted facts: the `version` of the status view. Each fact is stored with the
    anomalies it brings about (docs/contract.md §4): judged on event time over the set of
    the PO's facts, they name the earlier-recorded events a late fact makes anomalous.
    """

    TOPIC = "potrack:PurchaseOrder"

    class Created(Aggregate.Created):
        """eventsourcing's default creation event; unused (Started creates a PO)."""

        TOPIC = "potrack:PurchaseOrder.Created"

    class Started(Aggregate.Created):
        """The first accepted fact of a PO (stored state: po_number, fact)."""

        TOPIC = "potrack:PurchaseOrder.Started"
        class_version = 2
        po_number: str
        fact: Fact

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v2 added the optional `document` to every event's data: nothing to do."""

    class FactRecorded(Aggregate.Event):
        """Every later accepted fact (stored state: fact)."""

        TOPIC = "potrack:PurchaseOrder.FactRecorded"
        class_version = 2
        fact: Fact

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v2 added the optional `document` to every event's data: nothing to do."""

    @staticmethod
    def create_id(po_number: str, fact: Fact) -> UUID:
        return po_id(po_number)

    @event(Started)
    def __init__(self, po_number: str, fact: Fact) -> None:
        self.po_number = po_number
        self.state = PoState(po_number=po_number, seen=[])
        self.seen: set[tuple[str, str]] = set()
        self._apply(fact)

    @classmethod
    def start(cls, fact: Fact) -> "PurchaseOrder":
        """A new PO stream whose first fact is `fact`."""
        notes = notes_for(change(PoState(po_number=fact.subject, seen=[]), fact), fact)
        return cls(po_number=fact.subject, fact=fact.with_anomalies(notes))

    def record(self, fact: Fact) -> bool:
        """Record a fact unless its (source, id) was seen; True when it was new."""
        if fact.key in self.seen:
            return False
        notes = notes_for(change(self.state, fact), fact)
        self._recorded(fact=fact.with_anomalies(notes))
        return True

    @event(FactRecorded)
    def _recorded(self, fact: Fact) -> None:
        self._apply(fact)

    def _apply(self, fact: Fact) -> None:
        self.seen.add(fact.key)
        evolve(self.state, fact)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__


# Topics of stored events written before the classes had stable topics (eventsourcing
# registers the TOPIC of each class itself).
LEGACY_TOPICS: dict[str, type] = {
    "services.domain:PurchaseOrder": PurchaseOrder,
    "services.domain:PurchaseOrder.Started": PurchaseOrder.Started,
    "services.domain:PurchaseOrder.FactRecorded": PurchaseOrder.FactRecorded,
}
for _topic, _cls in LEGACY_TOPICS.items():
    register_topic(_topic, _cls)
