"""Audit projection: the per-PO hash-chained trail of accepted facts (docs/contract.md §6)."""

from collections import defaultdict
from collections.abc import Sequence

from projections.audit import GENESIS, canonical, chain, content
from projections.runner import Context
from projections.tables import Tx, audit
from schemas.recorded import Fact


class AuditProjection:
    """Appends one entry per accepted fact to its PO's chain; publishes nothing."""

    name = "audit"
    version = 1
    publishes_on_replay = False

    def reset(self, tx: Tx) -> None:
        audit.reset(tx)

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        by_po: dict[str, list[tuple[int, Fact]]] = defaultdict(list)
        for notification_id, fact in facts:
            by_po[fact.subject].append((notification_id, fact))
        for po_number, po_facts in by_po.items():
            last = audit.last_link(tx, po_number)
            seq = int(last["seq"]) if last else 0
            seen = int(last["notification_id"]) if last else 0
            previous = str(last["hash"]) if last else GENESIS
            fresh = [(n, f) for n, f in po_facts if n > seen]  # a re-applied batch must not fork
            audit.append(
                tx,
                [
                    (
                        po_number,
                        e["seq"],
                        e["notification_id"],
                        canonical(content(e)),
                        e["prev_hash"],
                        e["hash"],
                    )
                    for e in chain(fresh, previous, seq)
                ],
            )
