"""What the portal page shows, as plain values for its template (pure; issue 13 item 2).

The buyer (id, email), the PO header (number, revision, supplier, currency, total,
payment terms) and the lines of the link's revision (line, sku, description, quantity,
unit price, need-by), this recipient's status (the status view's row for the current
revision) and the answer recorded from it for the link's revision, the answer just sent
(until ingest has it), and whether the page takes an answer: not when a newer revision
exists (`superseded`) or the PO was cancelled (`cancelled`). Texts here are plain; the
template escapes every one of them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

from projections.fold import PoState
from projections.money import in_currency
from projections.status import recipient_status
from schemas.events import AcknowledgedLine, OrderLine, RevisedData
from services.portal.form import field as line_field
from services.portal.links import PortalClaim

Openness = Literal["open", "superseded", "cancelled"]
DECISIONS = {
    "accepted": "Accepted",
    "accepted_with_changes": "Accepted with changes",
    "rejected": "Rejected",
}
LINE_DECISIONS = ("accepted", "changed", "backordered", "rejected")


@dataclass(frozen=True)
class LineRow:
    """One PO line, the form's values for it and their errors (by short name)."""

    line: int
    sku: str | None
    description: str | None
    quantity: str
    unit_price: str
    need_by: str | None
    amount: str
    values: dict[str, str]
    errors: dict[str, str]


@dataclass(frozen=True)
class Told:
    """An answer in words: recorded by potrack, or just sent."""

    decision: str
    at: str
    supplier_reference: str | None = None
    reason: str | None = None
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PortalPage:
    po_number: str
    revision: int
    current_revision: int
    recipient: str
    supplier_id: str
    supplier_name: str | None
    buyer_id: str | None
    buyer_email: str | None
    currency: str
    total: str
    payment_terms_days: int
    lines: list[LineRow]
    status: str
    openness: Openness
    expires_at: str
    recorded: Told | None = None
    sent: Told | None = None
    sent_recorded: bool = False
    csrf: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refused: bool = False
    message: str | None = None

    @property
    def buyer_mailto(self) -> str | None:
        """`mailto:` the buyer's email (quoted: the address is data, never more fields)."""
        return f"mailto:{quote(self.buyer_email, safe='@')}" if self.buyer_email else None


def openness(claim: PortalClaim, state: PoState) -> Openness:
    """Whether the link's page takes an answer (contract §3: an answer to an older
    revision does not satisfy the current one; nothing counts after a cancellation)."""
    if state.cancelled_at is not None:
        return "cancelled"
    if state.revision is not None and state.revision > claim.revision:
        return "superseded"
    return "open"


def page_of(
    claim: PortalClaim,
    state: PoState,
    plan: RevisedData,
    view: Mapping[str, Any] | None,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    sent: Mapping[str, Any] | None = None,
    csrf: str | None = None,
    message: str | None = None,
) -> PortalPage:
    """The page of the link `claim` over the PO `state` (`plan`: the claim's revision),
    its status `view` (None before it is projected), the form `values` and `errors` of a
    refused answer, the `sent` note of the answer just sent and the form token."""
    given = dict(values or {})
    wrong = dict(errors or {})
    track = state.track(claim.revision, claim.recipient)
    ack = track.ack if track else None
    return PortalPage(
        po_number=claim.po_number,
        revision=claim.revision,
        current_revision=state.revision or claim.revision,
        recipient=claim.recipient,
        supplier_id=plan.supplier.id,
        supplier_name=plan.supplier.name,
        buyer_id=plan.buyer.id if plan.buyer else None,
        buyer_email=plan.buyer.email if plan.buyer else None,
        currency=plan.currency,
        total=money(plan.total_amount, plan.currency),
        payment_terms_days=plan.payment_terms_days,
        lines=[_row(ln, plan.currency, given, wrong) for ln in plan.lines],
        status=_status(claim, view, state).replace("_", " "),
        openness=openness(claim, state),
        expires_at=when(claim.expires_at),
        recorded=told(ack.decision, ack.order[0], ack.model_dump(), ack.lines) if ack else None,
        sent=_sent(sent),
        sent_recorded=bool(sent and ack and ack.order[1] == sent.get("id")),
        csrf=csrf,
        values={k: given.get(k, "") for k in ("decision", "supplier_reference", "reason")},
        errors={k: v for k, v in wrong.items() if not k.startswith("line-")},
        refused=bool(wrong),
        message=message,
    )


def _status(claim: PortalClaim, view: Mapping[str, Any] | None, state: PoState) -> str:
    if view is not None and view.get("revision") == claim.revision:
        for row in view.get("recipients", ()):
            if row.get("id") == claim.recipient:
                return str(row["status"])
    return recipient_status(state.track(claim.revision, claim.recipient)).value


def _row(ln: OrderLine, currency: str, given: dict[str, str], wrong: dict[str, str]) -> LineRow:
    defaults = {
        "decision": "accepted",
        "quantity": str(ln.quantity),
        "unit_price": str(ln.unit_price),
        "promised_date": "",
    }
    names = {k: line_field(ln.line, k) for k in defaults}
    return LineRow(
        line=ln.line,
        sku=ln.sku,
        description=ln.description,
        quantity=number(ln.quantity),
        unit_price=money(ln.unit_price, currency),
        need_by=ln.need_by.isoformat() if ln.need_by else None,
        amount=money(ln.quantity * ln.unit_price, currency),
        values={k: given.get(names[k], v) if given else v for k, v in defaults.items()},
        errors={k: wrong[names[k]] for k in defaults if names[k] in wrong},
    )


def _sent(note: Mapping[str, Any] | None) -> Told | None:
    if not note or not isinstance(note.get("data"), dict):
        return None
    data = note["data"]
    lines = data.get("lines", [])
    at = datetime.fromisoformat(str(note.get("at")))
    if isinstance(lines, int):  # too many to keep in the note
        words = [f"{lines} line answers"] if lines else []
        return told(str(data.get("decision")), at, data, [], words)
    return told(str(data.get("decision")), at, data, [AcknowledgedLine(**ln) for ln in lines])


def told(
    decision: str,
    at: datetime,
    data: Mapping[str, Any],
    lines: Sequence[AcknowledgedLine],
    extra: Sequence[str] = (),
) -> Told:
    """An answer in words; `data` gives its `supplier_reference` and `reason`."""
    return Told(
        decision=DECISIONS.get(str(decision), str(decision)),
        at=when(at),
        supplier_reference=data.get("supplier_reference"),
        reason=data.get("reason"),
        lines=[line_words(ln) for ln in lines] + list(extra),
    )


def line_words(ln: AcknowledgedLine) -> str:
    """`line 2: changed · quantity 8 · unit price 2.75 · promised 2026-12-01`."""
    parts = [f"line {ln.line}: {ln.decision.value}"]
    if ln.quantity is not None:
        parts.append(f"quantity {number(ln.quantity)}")
    if ln.unit_price is not None:
        parts.append(f"unit price {number(ln.unit_price)}")
    if ln.promised_date is not None:
        parts.append(f"promised {ln.promised_date.isoformat()}")
    return " · ".join(parts)


def money(amount: Decimal, currency: str) -> str:
    """`1,234.50` (the currency's minor units, never rounded: `projections.money`)."""
    return format(in_currency(amount, currency), ",f")


def number(value: Decimal) -> str:
    """A quantity as people write it: 12.5, 100 (no exponent, no trailing zeros)."""
    return format(value.normalize(), ",f") if value == value.to_integral() else f"{value:,f}"


def when(at: datetime) -> str:
    """`2026-11-02 09:00 UTC`."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
