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

The acknowledged value sums confirmed quantity * confirmed unit price over the revision's
lines (`projections.deviations.compare`: a rejected line counts 0, a backordered one its
full quantity, a line left out its PO value); with no lines it is the PO total.
expected_payment_date = the latest of each line's promised (else need-by) date, lines
rejected left out, plus payment_terms_days; None without dates.

`payments` splits `amount` by day: each line (not rejected) at its own promised date
(the latest any counting acknowledgment gives it), else its need-by date, plus the
payment terms, valued as in `amount` (confirmed: the acknowledged line value; otherwise
the PO's); a line without either date, and whatever `amount` holds beyond the lines
(freight, tax, a total without lines), is due at `expected_payment_date`. The amounts add
up to `amount` exactly; a cancelled commitment has none.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from projections.deviations import compare, counted_decision
from projections.fold import Ack, PoState
from projections.sla import SlaPolicy, Tolerance
from schemas.events import AcknowledgedLine, RevisedData
from schemas.status import Decision, LineDecision, RecipientKind
from schemas.views import Commitment, CommitmentState, Payment

ANY_TOLERANCE = Tolerance()  # values do not depend on tolerances, only outcomes do


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


def line_values(plan: RevisedData, acks: list[Ack], *, acknowledged: bool) -> dict[int, Decimal]:
    """Each PO line's value: confirmed quantity * confirmed unit price as the latest
    acknowledgment naming it answers it (`acknowledged`), else the PO's quantity * price.
    Rejected lines are left out (worth nothing)."""
    values: dict[int, Decimal] = {}
    if not acknowledged or not acks:
        for line in plan.lines:
            values[line.line] = line.quantity * line.unit_price
        return values
    answers = acknowledged_lines(acks)
    latest = max(acks, key=lambda a: a.order)
    merged = Ack(order=latest.order, decision=latest.decision, lines=list(answers.values()))
    ordered = {line.line: line for line in plan.lines}
    for compared in compare(plan, merged, ANY_TOLERANCE):
        if compared.decision in ("rejected", "unknown"):
            continue
        line = ordered[compared.line]
        if compared.decision == "missing":  # unanswered: still the PO's
            values[compared.line] = line.quantity * line.unit_price
            continue
        quantity = compared.confirmed_quantity
        price = compared.confirmed_unit_price
        values[compared.line] = (line.quantity if quantity is None else quantity) * (
            line.unit_price if price is None else price
        )
    return values


def acknowledged_value(plan: RevisedData, acks: list[Ack]) -> Decimal:
    """The value the acknowledgments confirm or propose (module docstring)."""
    if not plan.lines:
        return plan.total_amount
    return sum(line_values(plan, acks, acknowledged=True).values(), Decimal(0))


def expected_payment_date(plan: RevisedData, lines: dict[int, AcknowledgedLine]) -> date | None:
    """docs/contract.md §5: the latest promised (else need-by) date + the payment terms,
    line by line: each PO line not rejected counts with its promised date, else its
    need-by date (a PO without lines: the latest promised date); None without dates."""
    dates: list[date] = []
    for line in plan.lines:
        answer = lines.get(line.line)
        if answer is not None and answer.decision is LineDecision.REJECTED:
            continue
        day = answer.promised_date if answer and answer.promised_date else line.need_by
        if day is not None:
            dates.append(day)
    if not plan.lines:
        dates = [ln.promised_date for ln in lines.values() if ln.promised_date is not None]
    latest = max(dates, default=None)
    return latest + timedelta(days=plan.payment_terms_days) if latest else None


def payments(
    plan: RevisedData,
    answers: dict[int, AcknowledgedLine],
    values: dict[int, Decimal],
    amount: Decimal,
    latest: date | None,
) -> list[Payment]:
    """`amount` by expected payment date (module docstring), ascending, undated last."""
    terms = timedelta(days=plan.payment_terms_days)
    by_day: dict[date | None, Decimal] = defaultdict(Decimal)
    lines_of: dict[date | None, list[int]] = defaultdict(list)
    for line in plan.lines:
        if line.line not in values:
            continue
        answer = answers.get(line.line)
        promised = answer.promised_date if answer is not None else None
        day = promised or line.need_by
        when = day + terms if day is not None else latest
        by_day[when] += values[line.line]
        lines_of[when].append(line.line)
    rest = amount - sum(values.values(), Decimal(0))
    if rest or not by_day:
        by_day[latest] += rest
    order = sorted(by_day, key=lambda d: (d is None, d or date.min))
    return [
        Payment(expected_payment_date=d, amount=by_day[d], lines=sorted(lines_of.get(d, [])))
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
    given = [a for a in acks.values() if a is not None]
    answers = acknowledged_lines(given)
    counted = {
        counted_decision(state, revision, state.track(revision, r), policy)
        for r, a in acks.items()
        if a is not None
    }
    amount: Decimal = plan.total_amount
    proposed: Decimal | None = None
    confirmed_at: datetime | None = None
    latest = expected_payment_date(plan, answers)
    acknowledged = False
    state_word: CommitmentState
    if state.cancelled_at is not None:
        state_word = "cancelled"
    elif Decision.REJECTED in counted:
        state_word = "disputed"
    elif Decision.ACCEPTED_WITH_CHANGES in counted:
        state_word, proposed = "disputed", acknowledged_value(plan, given)
    elif plan.acknowledgment_required and acks and len(given) == len(acks):
        # Every supplier answered and none rejected or proposed changes: all accepted.
        state_word, amount = "confirmed", acknowledged_value(plan, given)
        confirmed_at = max(a.order[0] for a in given)
        acknowledged = True
    else:
        state_word = "open"
    if state_word == "cancelled":
        schedule: list[Payment] = []
        latest = None
    else:
        values = line_values(plan, given, acknowledged=acknowledged)
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
