"""Base of the projections that keep a folded PoState per PO and react to how it changed."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from projections.fold import PoState, evolve
from projections.runner import Context
from projections.tables import Tx, states
from schemas.recorded import Fact


@dataclass
class Change:
    """One PO in one batch: its state before (None: new, or not kept) and after."""

    before: PoState | None
    after: PoState
    facts: list[Fact]


class PoStateProjection:
    """Keeps its own copy of each PO's folded state in `<name>_po_state`.

    Each projection owns its copy so it can run, lag and rebuild alone. A batch costs a
    few statements whatever its size: states are read with one IN (...) query per chunk
    and written with one executemany. Subclasses implement `changed` (per PO) or
    `changed_batch`; `before` is None for a new PO. Projections that never look at
    `before` set `keeps_before = False` and save a deep copy per PO.
    """

    name = "po_state"
    version = 1
    keeps_before = True
    publishes_on_replay = False
    keeps_seen = False  # True: the state keeps what the anomaly rules need (PoState.seen)

    def reset(self, tx: Tx) -> None:
        states.reset(tx, self.name)

    def load(self, tx: Tx, po_number: str) -> PoState | None:
        return states.load(tx, self.name, [po_number]).get(po_number)

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        by_po: dict[str, list[Fact]] = defaultdict(list)
        for _, fact in facts:
            by_po[fact.subject].append(fact)
        known = states.load(tx, self.name, list(by_po))
        changes = []
        for po_number, po_facts in by_po.items():
            before = known.get(po_number)
            if before is None:
                after = PoState(po_number=po_number, seen=[] if self.keeps_seen else None)
            else:
                after = before.model_copy(deep=True) if self.keeps_before else before
            for fact in po_facts:
                evolve(after, fact)
            changes.append(Change(before if self.keeps_before else None, after, po_facts))
        states.save(tx, self.name, [c.after for c in changes])
        self.changed_batch(tx, changes, ctx)

    def changed_batch(self, tx: Tx, changes: list[Change], ctx: Context) -> None:
        for change in changes:
            self.changed(tx, change.before, change.after, change.facts, ctx)

    def changed(
        self,
        tx: Tx,
        before: PoState | None,
        after: PoState,
        facts: list[Fact],
        ctx: Context,
    ) -> None:
        raise NotImplementedError
