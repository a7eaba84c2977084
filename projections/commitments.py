"""Finance commitment of a PO (docs/contract.md §5) from its folded state (pure; no I/O, no clock).

States, first match wins, always about the current revision:
- `cancelled`: the PO was cancelled; amount = its total, no payment date expected.
- `disputed`: a supplier recipient's counting (latest) acknowledgment is `rejected`
  (amount = the PO total) or `accepted_with_changes` (amount = the acknowledged value).
- `confirmed`: acknowledgment is required and every supplier recipient (at least one)
  accepted; amount = the acknowledged value, confirmed_at = the latest of those acceptances.
- `open`: otherwise; amount = the PO total.
When acknowledgment is NOT required the commitment stays `open`: delivery is no business
commitment and finance confirms only on a required supplier acceptance (rejections and
proposed changes still dispute it, as they make the PO status `rejected`/`changes_proposed`).

The acknowledged value sums quantity * unit_price over the revision's lines, where a line
acknowledged `changed` takes the supplier's quantity/unit_price (when given), `rejected`
counts 0 and `backordered`/`accepted` keep the PO's; with no lines it is the PO total.
expected_payment_date = latest promised date of the acknowledged (not rejected) lines,
else the latest need-by date of the PO lines, plus payment_terms_days; None without dates.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from projections.fold import Ack, PoState
from schemas.events import AcknowledgedLine, RevisedData
from schemas.status import Decision, LineDecision, RecipientKind
from schemas.views import Commitment, CommitmentState


def counting_acks(state: PoState) -> dict[str, Ack | None]:
    """The counting acknowledgment of each supplier recipient of the current revision."""
    revision, plan = state.revision, state.plan()
    if revision is None or plan is None:
        return {}
    acks: dict[str, Ack | None] = {}
    for recipient in plan.recipients:
        if recipient.kind is RecipientKind.SUPPLIER:
            track = state.track(revision, recipient.id)
            acks[recipient.id] = track.ack if track else None
    return acks


def acknowledged_lines(acks: list[Ack]) -> dict[int, AcknowledgedLine]:
    """Line responses by line number; the latest acknowledgment naming a line wins."""
    lines: dict[int, AcknowledgedLine] = {}
    for ack in sorted(acks, key=lambda a: a.order):
        for line in ack.lines:
            lines[line.line] = line
    return lines


def acknowledged_value(plan: RevisedData, lines: dict[int, AcknowledgedLine]) -> Decimal:
    if not plan.lines:
        return plan.total_amount
    total = Decimal(0)
    for line in plan.lines:
        quantity, price = line.quantity, line.unit_price
        answer = lines.get(line.line)
        if answer is not None and answer.decision is LineDecision.REJECTED:
            continue
        if answer is not None and answer.decision is LineDecision.CHANGED:
            quantity = quantity if answer.quantity is None else answer.quantity
            price = price if answer.unit_price is None else answer.unit_price
        total += quantity * price
    return total


def expected_payment_date(plan: RevisedData, lines: dict[int, AcknowledgedLine]) -> date | None:
    promised = [
        ln.promised_date
        for ln in lines.values()
        if ln.promised_date is not None and ln.decision is not LineDecision.REJECTED
    ]
    need_by = [ln.need_by for ln in plan.lines if ln.need_by is not None]
    latest = max(promised) if promised else max(need_by) if need_by else None
    return latest + timedelta(days=plan.payment_terms_days) if latest else None


def commitment_of(state: PoState) -> Commitment | None:
    """The commitment of a PO, or None before its approval."""
    revision, plan = state.revision, state.plan()
    if state.approved_at is None or revision is None or plan is None:
        return None
    acks = counting_acks(state)
    given = [a for a in acks.values() if a is not None]
    lines = acknowledged_lines(given)
    amount: Decimal = plan.total_amount
    confirmed_at: datetime | None = None
    payment = expected_payment_date(plan, lines)
    decisions = {a.decision for a in given}
    state_word: CommitmentState
    if state.cancelled_at is not None:
        state_word, payment = "cancelled", None
    elif Decision.REJECTED in decisions:
        state_word = "disputed"
    elif Decision.ACCEPTED_WITH_CHANGES in decisions:
        state_word, amount = "disputed", acknowledged_value(plan, lines)
    elif plan.acknowledgment_required and acks and len(given) == len(acks):
        # Every supplier answered and none rejected or proposed changes: all accepted.
        state_word, amount = "confirmed", acknowledged_value(plan, lines)
        confirmed_at = max(a.order[0] for a in given)
    else:
        state_word = "open"
    return Commitment(
        po_number=state.po_number,
        revision=revision,
        supplier_id=plan.supplier.id,
        currency=plan.currency,
        amount=amount,
        state=state_word,
        confirmed_at=confirmed_at,
        expected_payment_date=payment,
    )
