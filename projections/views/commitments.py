"""Commitments projection: the finance commitment of every PO, published on
po.commitments.v1 when it changes (docs/contract.md §5)."""

from projections.commitments import commitment_of
from projections.fold import PoState
from projections.runner import Context
from projections.sla import SlaPolicy
from projections.tables import Tx, commitments
from projections.views.base import PoStateProjection
from schemas.recorded import Fact
from schemas.topics import OutboundType, Topic
from schemas.views import dump


class CommitmentsProjection(PoStateProjection):
    """Upserts the commitment and publishes it only when it actually changed."""

    name = "commitments"
    # 2: `amount` stays the PO total while disputed, `proposed_amount`, `payments`, and
    # changes within tolerance may count as accepted (contract v1.1 §5).
    version = 2

    def __init__(self, sla: SlaPolicy | None = None) -> None:
        self.sla = sla or SlaPolicy()
        self.policy = self.sla.fingerprint()  # rows made under another policy are rebuilt

    def reset(self, tx: Tx) -> None:
        super().reset(tx)
        commitments.reset(tx)

    def changed(
        self, tx: Tx, before: PoState | None, after: PoState, facts: list[Fact], ctx: Context
    ) -> None:
        commitment = commitment_of(after, self.sla)
        if commitment is None:
            return
        document = dump(commitment)
        if commitments.get(tx, after.po_number) == document:
            return  # most facts (sent, delivered, ...) leave the commitment as it was
        commitments.save(tx, document)
        ctx.emit(Topic.COMMITMENTS, after.po_number, OutboundType.COMMITMENT, document)
