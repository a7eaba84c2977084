"""The folded PoState each state-keeping projection keeps per PO (`<name>_po_state`)."""

from collections.abc import Sequence

from projections.fold import PoState
from projections.tables import Tx, chunks, marks


def load(tx: Tx, projection: str, po_numbers: Sequence[str]) -> dict[str, PoState]:
    """The stored states of those POs that have one: one IN (...) query per chunk."""
    found: dict[str, PoState] = {}
    for part in chunks(po_numbers):
        sql = f"SELECT po_number, state FROM {projection}_po_state"
        rows = tx.all(f"{sql} WHERE po_number IN ({marks(part)})", part)
        found.update({r["po_number"]: PoState.model_validate_json(r["state"]) for r in rows})
    return found


def save(tx: Tx, projection: str, states: Sequence[PoState]) -> None:
    """Upsert the states with one executemany."""
    tx.executemany(
        f"INSERT INTO {projection}_po_state (po_number, state) VALUES (?, ?) "
        "ON CONFLICT (po_number) DO UPDATE SET state = excluded.state",
        [(s.po_number, s.model_dump_json()) for s in states],
    )


def reset(tx: Tx, projection: str) -> None:
    """Forget every state of the projection."""
    tx.execute(f"DELETE FROM {projection}_po_state")
