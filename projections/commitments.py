"""Finance commitment of a PO (docs/contract.md §5) from its folded state (pure; no I/O, no clock).

States, first match wins, always about the current revision, with each supplier
recipient's counting (latest) acknowledgment as it counts (`projections.deviations`:
changes all within tolerance count as accepted when the policy opts in):
- `cancelled`: the PO was cancelled; amount = its total, no payment expected.
- `disputed`: one rejected it (amount = the PO total, no proposed amount) or proposed
  changes (amount = the PO total, `proposed_amount` = the value the supplier proposed).
- `confirmed`: acknowledgment is required and every supplier recipient (at least one)
  accepted; amount = the acknowledged value, confirmed_at = the latest of those acceptances.
- `open`: otherwise; amount = the PO total.
When acknowledgment is NOT required the commitment stays `open`: delivery is no business
commitment and finance confirms only on a required supplier acceptance (rejections and
proposed changes still dispute it, as they make the PO status `rejected`/`changes_proposed`).

The answers: each line as the latest acknowledgment naming it answers it
(`projections.deviations.compare`; an acknowledgment without lines answers every line
with its own decision), over every supplier recipient's counting acknowledgment, except
while changes are proposed: then over the latest proposal alone (two recipients of one
supplier may answer differently; the proposal is one recipient's, never a mix).
The acknowledged value sums confirmed quantity * confirmed unit price over the revision's
lines (a rejected line counts 0, a backordered one its full quantity, a line left out its
PO value); with no lines it is the PO total.
expected_payment_date = the latest of each line's promised (else need-by) date, lines
rejected left out, plus payment_terms_days; None without dates (so a rejection of the
whole PO has none).

`payments` splits `amount` by day: each line not rejected at its own promised date, else
its need-by date, plus the payment terms, valued as in `amount` (confirmed: the
acknowledged line value; otherwise the PO's); a rejected line (still in the PO total
while disputed), a line without either date, and whatever `amount` holds beyond the lines
(freight, tax, a total without lines) are due at `expected_payment_date`, so no payment
comes after it. The amounts add up to `amount` exactly; a cancelled commitment has none.
Amounts carry the currency's ISO 4217 minor units where that loses nothing
(`projections.money`).
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from projections.deviations import compare, counted_decision
from projections.fold import Ack, PoState
from projections.money import in_currency
from projections.sla import SlaPolicy, Tolerance
from schemas.events import AcknowledgedLine, RevisedData
from schemas.status import Decision, RecipientKind
from schemas.views import Commitment, CommitmentState, LineDeviation, Payment

ANY_TOLERANCE = Tolerance()  # values and dates do not depend on tolerances


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


def answered(plan: RevisedData, acks: list[Ack]) -> dict[int, LineDeviation]:
    """Each PO line as `acks` answer it (module docstring), by line number; empty without
    an acknowledgment. Lines the PO does not have are left out."""
    if not acks:
        return {}
    latest = max(acks, key=lambda a: a.order)
    merged = Ack(
        order=latest.order, decision=latest.decision, lines=list(acknowledged_lines(acks).values())
    )
    return {d.line: d for d in compare(plan, merged, ANY_TOLERANCE) if d.decision != "unknown"}


def line_value(plan_line_value: Decimal, answer: LineDeviation | None) -> Decimal:
    """A line's acknowledged value: confirmed quantity * confirmed unit price (a rejected
    line 0; unanswered or missing: the PO's value)."""
    if answer is None or answer.decision == "missing":
        return plan_line_value
    if answer.decision == "rejected":
        return Decimal(0)
    quantity = answer.confirmed_quantity or Decimal(0)
    price = answer.confirmed_unit_price or Decimal(0)
    return quantity * price


def acknowledged_value(plan: RevisedData, answers: dict[int, LineDeviation]) -> Decimal:
    """The value the answers confirm or propose (module docstring)."""
    if not plan.lines:
        return plan.total_amount
    return sum(
        (line_value(ln.quantity * ln.unit_price, answers.get(ln.line)) for ln in plan.lines),
        Decimal(0),
    )


def _day(line_need_by: date | None, answer: LineDeviation | None) -> date | None:
    promised = answer.promised_date if answer is not None else None
    return promised or line_need_by


def expected_payment_date(
    plan: RevisedData, answers: dict[int, LineDeviation], promised: list[date]
) -> date | None:
    """docs/contract.md §5: the latest promised (else need-by) date + the payment terms,
    line by line, rejected lines left out; for a PO without lines the latest of
    `promised` (the acknowledgments' dates). None without dates."""
    if plan.lines:
        dates = [
            day
            for ln in plan.lines
            if (answer := answers.get(ln.line)) is None or answer.decision != "rejected"
            if (day := _day(ln.need_by, answer)) is not None
        ]
    else:
        dates = promised
    latest = max(dates, default=None)
    return latest + timedelta(days=plan.payment_terms_days) if latest else None


def payments(
    plan: RevisedData,
    answers: dict[int, LineDeviation],
    values: dict[int, Decimal],
    amount: Decimal,
    latest: date | None,
) -> list[Payment]:
    """`amount` by expected payment date (module docstring), ascending, undated last."""
    terms = timedelta(days=plan.payment_terms_days)
    by_day: dict[date | None, Decimal] = defaultdict(Decimal)
    lines_of: dict[date | None, list[int]] = defaultdict(list)
    for line in plan.lines:
        answer = answers.get(line.line)
        day = _day(line.need_by, answer)
        rejected = answer is not None and answer.decision == "rejected"
        if rejected and not values[line.line]:
            continue  # confirmed without it: nothing to pay
        when = day + terms if day is not None and not rejected else latest
        by_day[when] += values[line.line]
        lines_of[when].append(line.line)
    rest = amount - sum(values.values(), Decimal(0))
    if rest or not by_day:
        by_day[latest] += rest
    order = sorted(by_day, key=lambda d: (d is None, d or date.min))
    return [
        Payment(
            expected_payment_date=d,
            amount=in_currency(by_day[d], plan.currency),
            lines=sorted(lines_of.get(d, [])),
        )
        for d in order
        if by_day[d] or lines_of.get(d)
    ]


def commitment_of(state: PoState, sla: SlaPolicy | None = None) -> Commitment | None:
    """The commitment of a PO, or None before its approval (module docstring; `sla` gives
    the tolerances that may count changes as accepted, default: none)."""
    revision, plan = state.revision, state.plan()
    if state.approved_at is None or revision is None or plan is None:
        return None
    policy = sla or SlaPolicy()
    acks = counting_acks(state)
    counted = {
        who: (ack, counted_decision(state, revision, state.track(revision, who), policy))
        for who, ack in acks.items()
        if ack is not None
    }
    decisions = {decision for _, decision in counted.values()}
    basis = [ack for ack, _ in counted.values()]
    amount: Decimal = plan.total_amount
    proposed: Decimal | None = None
    confirmed_at: datetime | None = None
    acknowledged = False
    state_word: CommitmentState
    if state.cancelled_at is not None:
        state_word = "cancelled"
    elif Decision.REJECTED in decisions:
        state_word = "disputed"
    elif Decision.ACCEPTED_WITH_CHANGES in decisions:
        proposals = [a for a, d in counted.values() if d is Decision.ACCEPTED_WITH_CHANGES]
        basis = [max(proposals, key=lambda a: a.order)]  # one recipient's proposal
        state_word = "disputed"
        proposed = in_currency(acknowledged_value(plan, answered(plan, basis)), plan.currency)
    elif plan.acknowledgment_required and acks and len(counted) == len(acks):
        # Every supplier answered and none rejected or proposed changes: all accepted.
        state_word, acknowledged = "confirmed", True
        confirmed_at = max(a.order[0] for a in basis)
    else:
        state_word = "open"
    answers = answered(plan, basis)
    if acknowledged:
        amount = in_currency(acknowledged_value(plan, answers), plan.currency)
    promised = [ln.promised_date for ln in acknowledged_lines(basis).values() if ln.promised_date]
    latest = expected_payment_date(plan, answers, promised)
    schedule: list[Payment] = []
    if state_word == "cancelled":
        latest = None
    else:
        values = {
            ln.line: line_value(ln.quantity * ln.unit_price, answers.get(ln.line))
            if acknowledged
            else ln.quantity * ln.unit_price
            for ln in plan.lines
        }
        schedule = payments(plan, answers, values, amount, latest)
    return Commitment(
        po_number=state.po_number,
        revision=revision,
        supplier_id=plan.supplier.id,
        currency=plan.currency,
        amount=amount,
        state=state_word,
        confirmed_at=confirmed_at,
        expected_payment_date=latest,
        proposed_amount=proposed,
        payments=schedule,
    )
