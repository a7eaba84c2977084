"""Performance projection: per-recipient records of every PO, summarized per supplier on read."""

from projections.fold import PoState
from projections.performance import records
from projections.runner import Context
from projections.sla import SlaPolicy
from projections.tables import Tx, performance
from projections.views.base import PoStateProjection
from schemas.recorded import Fact


class PerformanceProjection(PoStateProjection):
    """Replaces a PO's records whenever they change; the SLA policy sets the deadlines.

    A new SLA policy applies to history too: rows made under another policy are rebuilt on
    start (`projections.runner.Runner`).
    """

    name = "performance"
    # 2: a permanent failure voids earlier transport evidence (contract v1.1 §3): a voided
    # po.delivered is no delivery and no start.
    version = 2

    def __init__(self, sla: SlaPolicy | None = None) -> None:
        self.sla = sla or SlaPolicy()
        self.policy = self.sla.fingerprint()  # rows made under another policy are rebuilt

    def reset(self, tx: Tx) -> None:
        super().reset(tx)
        performance.reset(tx)

    def changed(
        self, tx: Tx, before: PoState | None, after: PoState, facts: list[Fact], ctx: Context
    ) -> None:
        new = records(after, self.sla)
        if before is not None and records(before, self.sla) == new:
            return
        performance.replace(tx, after.po_number, new)
