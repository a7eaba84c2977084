"""Base for projections that keep a PoState per PO and react to how it changed."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from projections.db import Tx
from projections.runner import Context
from projections.status import PoState, evolve
from schemas.recorded import Fact

CHUNK = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


@dataclass
class Change:
    before: PoState | None
    after: PoState
    facts: list[Fact]


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(items: Sequence[str]) -> str:
    return ", ".join("?" for _ in items)


class PoStateProjection:
    """Keeps its own copy of each PO's folded state in `{name}_po_state`.

    Each projection owns its copy so it can run, lag and rebuild alone. A batch costs a
    few statements whatever its size: states are read with one IN (...) query per chunk
    and written with one executemany. Subclasses implement `changed` (per PO) or
    `changed_batch`; `before` is None for a new PO. Projections that never look at
    `before` set `keeps_before = False` and save a deep copy per PO.
    """

    name = "po_state"
    keeps_before = True

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
        return self.load_many(tx, [po_number]).get(po_number)

    def load_many(self, tx: Tx, po_numbers: Sequence[str]) -> dict[str, PoState]:
        found: dict[str, PoState] = {}
        for part in chunks(po_numbers):
            rows = tx.all(
                f"SELECT po_number, state FROM {self.state_table}"
                f" WHERE po_number IN ({placeholders(part)})",
                part,
            )
            found.update({r["po_number"]: PoState.model_validate_json(r["state"]) for r in rows})
        return found

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        by_po: dict[str, list[Fact]] = defaultdict(list)
        for _, fact in facts:
            by_po[fact.subject].append(fact)
        known = self.load_many(tx, list(by_po))
        changes = []
        for po_number, po_facts in by_po.items():
            before = known.get(po_number)
            if before is None:
                after = PoState(po_number=po_number)
            else:
                after = before.model_copy(deep=True) if self.keeps_before else before
            for fact in po_facts:
                evolve(after, fact)
            changes.append(Change(before if self.keeps_before else None, after, po_facts))
        tx.executemany(
            f"INSERT INTO {self.state_table} (po_number, state) VALUES (?, ?) "
            "ON CONFLICT (po_number) DO UPDATE SET state = excluded.state",
            [(c.after.po_number, c.after.model_dump_json()) for c in changes],
        )
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
