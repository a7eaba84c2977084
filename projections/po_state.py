"""Base for projections that keep a PoState per PO and react to how it changed."""

from collections import defaultdict
from collections.abc import Sequence

from projections.db import Tx
from projections.runner import Context
from projections.status import PoState, evolve
from schemas.recorded import Fact


class PoStateProjection:
    """Keeps its own copy of each PO's folded state in `{name}_po_state`.

    Each projection owns its copy so it can run, lag and rebuild alone. Subclasses
    implement `changed(tx, before, after, facts, ctx)`; `before` is None for a new PO.
    """

    name = "po_state"

    @property
    def state_table(self) -> str:
        return f"{self.name}_po_state"

    def setup(self, tx: Tx) -> None:
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {self.state_table} "
            "(po_number TEXT PRIMARY KEY, state TEXT NOT NULL)"
        )

    def reset(self, tx: Tx) -> None:
        tx.execute(f"DELETE FROM {self.state_table}")

    def load(self, tx: Tx, po_number: str) -> PoState | None:
        row = tx.one(f"SELECT state FROM {self.state_table} WHERE po_number = ?", (po_number,))
        return PoState.model_validate_json(row["state"]) if row else None

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        by_po: dict[str, list[Fact]] = defaultdict(list)
        for _, fact in facts:
            by_po[fact.subject].append(fact)
        for po_number, po_facts in by_po.items():
            before = self.load(tx, po_number)
            after = before.model_copy(deep=True) if before else PoState(po_number=po_number)
            for fact in po_facts:
                evolve(after, fact)
            tx.execute(
                f"INSERT INTO {self.state_table} (po_number, state) VALUES (?, ?) "
                "ON CONFLICT (po_number) DO UPDATE SET state = excluded.state",
                (po_number, after.model_dump_json()),
            )
            self.changed(tx, before, after, po_facts, ctx)

    def changed(
        self,
        tx: Tx,
        before: PoState | None,
        after: PoState,
        facts: list[Fact],
        ctx: Context,
    ) -> None:
        raise NotImplementedError
