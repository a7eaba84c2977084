"""Status projection: the §6 view of every PO, stored in `po_status`, published on
po.status.v1 (docs/contract.md §5, §6)."""

from projections.runner import Context
from projections.sla import SlaPolicy
from projections.status import render
from projections.tables import Tx, alerts, status
from projections.views.base import Change, PoStateProjection
from schemas.topics import OutboundType, Topic
from schemas.views import dump


class StatusProjection(PoStateProjection):
    """Renders every changed PO once per batch; `overdue` comes from the open alerts."""

    name = "status"
    # 2: the state keeps PoState.seen and the view lists `anomalies`; 3: a permanent failure
    # voids earlier transport evidence (contract v1.1 §3): statuses, sent_at, delivered_at;
    # 4: recipients carry `deviations` and `within_tolerance`, judged by the SLA policy.
    version = 4
    keeps_before = False
    keeps_seen = True  # the view lists the anomalies

    def __init__(self, sla: SlaPolicy | None = None) -> None:
        self.sla = sla or SlaPolicy()
        self.policy = self.sla.fingerprint()  # rows made under another policy are rebuilt

    def reset(self, tx: Tx) -> None:
        super().reset(tx)
        status.reset(tx)

    def changed_batch(self, tx: Tx, changes: list[Change], ctx: Context) -> None:
        pos = [c.after.po_number for c in changes]
        # The alerts projection's lock first, then the rows: the alerts projection flips
        # `overdue` in place, holding its lock, in the order its watermarks judge the POs;
        # taking its lock before any row means the two never wait on each other's rows (a
        # deadlock on PostgreSQL). Reading the alerts only after holding the rows means
        # neither side overwrites the other.
        alerts.lock(tx)
        status.lock(tx, pos)
        overdue = alerts.overdue_pos(tx, pos)
        views = []
        for change in changes:
            po = change.after.po_number
            view = dump(render(change.after, overdue=po in overdue, sla=self.sla))
            views.append(view)
            # One record per batch per PO: the latest version is what a compacted topic keeps.
            ctx.emit(Topic.STATUS, po, OutboundType.STATUS, view)
        status.save(tx, views)
