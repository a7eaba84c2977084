"""What a supplier changed, line by line, and whether it is within tolerance (pure).

Each line of an acknowledgment is compared with the PO line of the revision it answers
(`compare`); the supplier's tolerance comes from the SLA policy
(`projections.sla.SlaPolicy.tolerance_for`). Per PO line:

- `changed`: the confirmed quantity and unit price are the line's own when given, else
  the PO's (docs/contract.md §5: changed lines use the supplier's quantity and price).
- `accepted`: the PO's quantity and unit price are confirmed.
- `backordered`: the PO's quantity and price are confirmed and still come, later
  (`backordered_quantity`: the line's quantity when given, else the PO's; X12 855 ACK02
  with `IB`/`BP`, EDIFACT QTY 83). A backorder without a promised date is outside
  tolerance (`no_date`): nobody knows when.
- all three: the promised date is compared with the need-by date.
- `rejected`: confirmed quantity 0, always outside tolerance.
- `missing`: a PO line the acknowledgment leaves out while it lists others: unconfirmed,
  outside tolerance.
- `unknown`: an acknowledged line the PO does not have: outside tolerance.

An acknowledgment without lines answers every line with its own decision: `accepted`
confirms the PO as ordered, `rejected` rejects every line; `accepted_with_changes` without
lines proposes changes nobody can weigh, so it is outside tolerance (`Judgement.within`
False) with no line listed.

Checks (`projections.sla.Tolerance`, compared exactly, never on rounded figures):
quantity |confirmed - ordered| <= quantity_pct % of ordered; unit price |change| <=
price_pct % of the PO's price and, when set, <= price_amount; date: promised - need_by
<= days_late and need_by - promised <= days_early. Percentages shown are rounded to 2
decimals (half even); the decision uses the exact values.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from projections.fold import Ack, PoState, Track
from projections.sla import SlaPolicy, Tolerance
from schemas.events import AcknowledgedLine, OrderLine, RevisedData
from schemas.status import Decision, RecipientKind
from schemas.views import Check, LineAnswer, LineDeviation, LineOutcome, LinesView, PoLine

HUNDRED = Decimal(100)
SHOWN_PCT = Decimal("0.01")


def _pct(change: Decimal, base: Decimal) -> Decimal | None:
    if base == 0:
        return None
    return (change * HUNDRED / base).quantize(SHOWN_PCT, rounding=ROUND_HALF_EVEN)


def _over(change: Decimal, base: Decimal, pct: Decimal) -> bool:
    """|change| > pct % of base, exactly (a zero base allows no change)."""
    return abs(change) * HUNDRED > pct * abs(base)


def _compare_line(
    ordered: OrderLine, outcome: LineOutcome, answer: AcknowledgedLine | None, tol: Tolerance
) -> LineDeviation:
    outside: list[Check] = []
    backordered = None
    promised = answer.promised_date if answer is not None else None
    if outcome == "missing":
        quantity = price = None
        outside.append("missing")
    elif outcome == "rejected":
        quantity, price = Decimal(0), None
        outside.append("rejected")
    else:
        quantity, price = ordered.quantity, ordered.unit_price
        if outcome == "changed" and answer is not None:
            quantity = answer.quantity if answer.quantity is not None else quantity
            price = answer.unit_price if answer.unit_price is not None else price
        if outcome == "backordered":
            backordered = answer.quantity if answer and answer.quantity is not None else quantity
            if promised is None:
                outside.append("no_date")
    quantity_change = quantity - ordered.quantity if quantity is not None else None
    price_change = price - ordered.unit_price if price is not None else None
    if outcome not in ("missing", "rejected"):
        if quantity_change and _over(quantity_change, ordered.quantity, tol.quantity_pct):
            outside.append("quantity")
        if price_change and (
            _over(price_change, ordered.unit_price, tol.price_pct)
            or (tol.price_amount is not None and abs(price_change) > tol.price_amount)
        ):
            outside.append("unit_price")
    days = (promised - ordered.need_by).days if promised and ordered.need_by else None
    answered = outcome not in ("missing", "rejected")
    if answered and days is not None and (days > tol.days_late or -days > tol.days_early):
        outside.append("date")
    return LineDeviation.model_construct(
        line=ordered.line,
        sku=ordered.sku,
        decision=outcome,
        ordered_quantity=ordered.quantity,
        confirmed_quantity=quantity,
        backordered_quantity=backordered,
        quantity_change=quantity_change,
        quantity_change_pct=_pct(quantity_change, ordered.quantity)
        if quantity_change is not None
        else None,
        ordered_unit_price=ordered.unit_price,
        confirmed_unit_price=price,
        unit_price_change=price_change,
        unit_price_change_pct=_pct(price_change, ordered.unit_price)
        if price_change is not None
        else None,
        need_by=ordered.need_by,
        promised_date=promised,
        days=days,
        within_tolerance=not outside,
        outside=outside,
    )


def _unknown_line(answer: AcknowledgedLine) -> LineDeviation:
    return LineDeviation.model_construct(
        line=answer.line,
        sku=None,
        decision="unknown",
        ordered_quantity=None,
        confirmed_quantity=answer.quantity,
        backordered_quantity=None,
        quantity_change=None,
        quantity_change_pct=None,
        ordered_unit_price=None,
        confirmed_unit_price=answer.unit_price,
        unit_price_change=None,
        unit_price_change_pct=None,
        need_by=None,
        promised_date=answer.promised_date,
        days=None,
        within_tolerance=False,
        outside=["unknown"],
    )


WHOLE: dict[Decision, LineOutcome] = {
    Decision.ACCEPTED: "accepted",
    Decision.ACCEPTED_WITH_CHANGES: "accepted",
    Decision.REJECTED: "rejected",
}


def compare(plan: RevisedData, ack: Ack, tolerance: Tolerance) -> list[LineDeviation]:
    """Every PO line of `plan` (in line order) with the acknowledgment's answer, then the
    acknowledged lines the PO does not have. See the module docstring for the rules."""
    answers: dict[int, AcknowledgedLine] = {ln.line: ln for ln in ack.lines}
    compared = []
    for ordered in sorted(plan.lines, key=lambda ln: ln.line):
        answer = answers.pop(ordered.line, None)
        outcome: LineOutcome
        if answer is not None:
            outcome = answer.decision.value
        elif ack.lines:
            outcome = "missing"
        else:
            outcome = WHOLE[ack.decision]
        compared.append(_compare_line(ordered, outcome, answer, tolerance))
    compared.extend(_unknown_line(answers[n]) for n in sorted(answers))
    return compared


def differs(line: LineDeviation) -> bool:
    """Whether the line is a deviation: anything but an unchanged, on-time acceptance."""
    return bool(
        line.decision in ("backordered", "rejected", "missing", "unknown")
        or line.quantity_change
        or line.unit_price_change
        or line.days
    )


@dataclass(frozen=True)
class Judgement:
    """One acknowledgment weighed against its PO revision.

    `lines`: every line compared; `deviations`: those that differ; `within`: every
    deviation within tolerance (None for a rejection); `counted`: the decision that counts
    for the status and the commitment (`accepted` for changes all within tolerance when
    the policy opts in, else the acknowledgment's own)."""

    lines: list[LineDeviation]
    deviations: list[LineDeviation]
    within: bool | None
    counted: Decision


def judge(plan: RevisedData, ack: Ack, sla: SlaPolicy) -> Judgement:
    """The judgement of `ack`, which answers the revision whose announcement is `plan`,
    under the supplier's tolerance in `sla`."""
    supplier = plan.supplier.id
    lines = compare(plan, ack, sla.tolerance_for(supplier))
    if ack.decision is Decision.REJECTED:
        return Judgement(lines, [], None, ack.decision)
    deviations = [ln for ln in lines if differs(ln)]
    within = all(ln.within_tolerance for ln in deviations)
    if ack.decision is Decision.ACCEPTED_WITH_CHANGES and not ack.lines:
        within = False  # changes without line detail cannot be weighed
    counted = ack.decision
    if (
        counted is Decision.ACCEPTED_WITH_CHANGES
        and within
        and sla.accepts_within_tolerance(supplier)
    ):
        counted = Decision.ACCEPTED
    return Judgement(lines, deviations, within, counted)


def judged(state: PoState, revision: int, track: Track | None, sla: SlaPolicy) -> Judgement | None:
    """The judgement of the counting acknowledgment in `track` (of `revision`), or None
    when there is none or the revision was never announced."""
    plan = state.plan(revision)
    if track is None or track.ack is None or plan is None:
        return None
    return judge(plan, track.ack, sla)


def counted_decision(
    state: PoState, revision: int, track: Track | None, sla: SlaPolicy
) -> Decision | None:
    """The decision of the counting acknowledgment as the status and the commitment count
    it (see `Judgement.counted`), or None without one."""
    if track is None or track.ack is None:
        return None
    if track.ack.decision is not Decision.ACCEPTED_WITH_CHANGES:
        return track.ack.decision  # only changes are weighed against the tolerance
    found = judged(state, revision, track, sla)
    return found.counted if found is not None else track.ack.decision


def lines_view(state: PoState, sla: SlaPolicy) -> LinesView:
    """The lines of the current revision, each with every supplier recipient's answer
    (their counting acknowledgment of that revision, compared under their tolerance)."""
    revision, plan = state.revision, state.plan()
    if revision is None or plan is None:
        return LinesView(po_number=state.po_number, revision=revision)
    answers: dict[int, list[LineAnswer]] = {ln.line: [] for ln in plan.lines}
    unknown: list[LineAnswer] = []
    for recipient in plan.recipients:
        if recipient.kind is not RecipientKind.SUPPLIER:
            continue
        track = state.track(revision, recipient.id)
        found = judged(state, revision, track, sla)
        if found is None or track is None or track.ack is None:
            continue
        for compared in found.lines:
            answer = LineAnswer(
                recipient=recipient.id,
                revision=revision,
                acknowledged_at=track.ack.order[0],
                decision=track.ack.decision,
                deviation=compared,
            )
            (unknown if compared.decision == "unknown" else answers[compared.line]).append(answer)
    return LinesView(
        po_number=state.po_number,
        revision=revision,
        currency=plan.currency,
        supplier_id=plan.supplier.id,
        lines=[
            PoLine(
                line=ln.line,
                sku=ln.sku,
                description=ln.description,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                need_by=ln.need_by,
                answers=answers[ln.line],
            )
            for ln in sorted(plan.lines, key=lambda ln: ln.line)
        ],
        unknown_lines=unknown,
    )
