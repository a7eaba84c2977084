"""The one rule of `overdue` (docs/contract.md §6), live and as of an instant.

- Live, a PO is overdue while it has an open overdue-kind alert (`OVERDUE_KINDS`): the
  alerts projection decides it with `is_overdue` and writes it into the stored status
  view, which every reader then shows as it is (§8: views agree).
- As of an instant T, a PO is overdue when a deadline due at or before T was not met (nor
  voided by a cancellation or a change order) by the events up to T: `overdue_at`, over
  the state folded from those events.

Both rest on `Deadline.missed_at`, the same test that opens an overdue alert, so the live
flag and the as-of flag agree wherever the alert clock has reached T (a property test
checks it). Pure: no I/O, no clock.
"""

from collections.abc import Iterable
from datetime import datetime

from projections.deadlines import deadlines
from projections.fold import PoState
from projections.sla import SlaPolicy
from schemas.views import Alert, AlertKind

# The alert kinds that make a PO overdue while open (§6): one per deadline kind.
OVERDUE_KINDS: tuple[AlertKind, ...] = (
    "delivery_overdue",
    "acknowledgment_overdue",
    "receipt_overdue",
)


def is_overdue(alerts: Iterable[Alert]) -> bool:
    """Live (contract §6): whether any of the PO's `alerts` is an open overdue-kind alert."""
    return any(a.kind in OVERDUE_KINDS and a.resolved_at is None for a in alerts)


def overdue_at(state: PoState, sla: SlaPolicy, at: datetime) -> bool:
    """As of `at` (contract §6): whether a deadline of `state` (folded from the events up
    to `at`) due at or before `at` was missed by then."""
    return any(deadline.missed_at(at) for deadline in deadlines(state, sla))
