"""Which links a PO has: one per supplier recipient of a revision (pure given `now`;
contract §6 `GET /pos/{po}/portal-links`, §7 `potrack portal-link`, issue 13 item 1).

Only supplier recipients answer (contract §3: internal recipients never need an
acknowledgment), so only they get a link; a revision that was never announced has none.
"""

from datetime import datetime

from projections.fold import PoState
from schemas.status import RecipientKind
from services.portal.links import DEFAULT_DAYS, PortalLink, issue


class NoLink(ValueError):
    """No link can be issued: the message says why in one line."""


def link_for(
    state: PoState,
    recipient: str,
    revision: int | None = None,
    *,
    secret: str,
    base_url: str,
    now: datetime,
    days: int = DEFAULT_DAYS,
) -> PortalLink:
    """The link of `recipient` for `revision` (default the current one) of the PO;
    NoLink for a revision or recipient the PO does not have, or an internal recipient."""
    po = state.po_number
    chosen = state.revision if revision is None else revision
    plan = state.plan(chosen) if chosen is not None else None
    if chosen is None or plan is None:
        raise NoLink(
            f"PO {po!r} has no revision {chosen}" if chosen else f"PO {po!r} is not approved yet"
        )
    found = next((r for r in plan.recipients if r.id == recipient), None)
    if found is None:
        known = ", ".join(r.id for r in plan.recipients)
        raise NoLink(f"PO {po!r} revision {chosen} has no recipient {recipient!r} (it has {known})")
    if found.kind is not RecipientKind.SUPPLIER:
        raise NoLink(
            f"{recipient!r} is an internal recipient of PO {po!r}: only suppliers answer orders"
        )
    return issue(secret, po, chosen, recipient, base_url=base_url, now=now, days=days)


def links_for(
    state: PoState, *, secret: str, base_url: str, now: datetime, days: int = DEFAULT_DAYS
) -> list[PortalLink]:
    """A link for every supplier recipient of the current revision (none before approval),
    in the plan's order."""
    plan = state.plan()
    if state.revision is None or plan is None:
        return []
    return [
        issue(secret, state.po_number, state.revision, r.id, base_url=base_url, now=now, days=days)
        for r in plan.recipients
        if r.kind is RecipientKind.SUPPLIER
    ]
