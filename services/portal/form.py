"""The portal's answer form, read against the PO lines of its revision (pure; issue 13).

The fields are the form contract of docs/contract.md §6: `decision` (`accepted`,
`accepted_with_changes`, `rejected`), `supplier_reference`, `reason`, and per PO line N
`line-N-decision` (`accepted`, `changed`, `backordered`, `rejected`; blank: accepted),
`line-N-quantity`, `line-N-unit_price` and `line-N-promised_date` (YYYY-MM-DD), each
optional. The page fills quantity and unit price in with the PO's, so a value equal to
the PO's is no change. What becomes of them (contract §2 `po.acknowledged`):

- `accepted`: no line may be changed (a new promised date is no change: the contract
  allows it under `accepted`); the lines are sent only when one has a promised date, and
  then all of them (a line left out of a list would read as `missing`).
- `accepted_with_changes`: every line is sent with its decision; at least one must
  differ (a decision other than accepted, or a promised date other than the need-by
  date). A line marked accepted whose quantity or price differs is `changed`. A PO
  without lines takes it with a `reason` saying what changes.
- `rejected`: needs a `reason` (the buyer must know why); no lines (all are rejected).
- a `changed` line changes its quantity, unit price or promised date; a `backordered`
  line's quantity, when given, is the backordered quantity, and its promised date when
  it comes (without one, the tolerance check says `no_date`: nobody knows when).

Bad input is a `FormErrors` naming each field with a message for the person (the key
`form` for what belongs to no field, such as a line the PO does not have): a quantity
that is not a number above 0, a price below 0 or with more decimals than the currency
has (ISO 4217 minor units, `projections.money`; the PO's own price, which may have more,
is taken as it is), a date that is not YYYY-MM-DD, a text over 512 characters (the
contract's limit).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from projections.money import minor_units
from schemas.events import MAX_YEAR, MIN_YEAR, AcknowledgedLine, OrderLine, RevisedData
from schemas.status import Decision, LineDecision

FORM = "form"  # the key of the errors that belong to no one field
TEXT_MAX = 512  # schemas.events.Text
NUMBER_MAX = 24  # characters of a quantity or a price
LINE_FIELD = re.compile(r"^line-(.*)-(decision|quantity|unit_price|promised_date)$")
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
NEGATIVE = re.compile(r"^-[0-9]+(\.[0-9]+)?$")
DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class FormErrors(ValueError):
    """The form cannot be taken: `errors` maps a field name (or `form`) to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Answer:
    """A valid answer: what the `po.acknowledged` of contract §2 says besides `revision`
    and `recipient`."""

    decision: Decision
    supplier_reference: str | None
    reason: str | None
    lines: tuple[AcknowledgedLine, ...]

    def data(self, revision: int, recipient: str) -> dict[str, Any]:
        """The event's `data` (JSON-ready: decimals as strings, dates ISO 8601)."""
        found: dict[str, Any] = {
            "revision": revision,
            "recipient": recipient,
            "decision": self.decision.value,
        }
        if self.supplier_reference:
            found["supplier_reference"] = self.supplier_reference
        if self.reason:
            found["reason"] = self.reason
        if self.lines:
            found["lines"] = [ln.model_dump(mode="json", exclude_none=True) for ln in self.lines]
        return found


def field(line: int, name: str) -> str:
    """The form field of a PO line: `line-3-quantity`."""
    return f"line-{line}-{name}"


def read_answer(fields: Mapping[str, str], plan: RevisedData) -> Answer:
    """The answer the form `fields` give to the revision `plan`, or FormErrors."""
    errors: dict[str, str] = {}
    _unknown_lines(fields, plan.lines, errors)
    decision = _choice(fields.get("decision", ""), Decision, "decision", errors)
    if decision is None and "decision" not in errors:
        errors["decision"] = "choose accept, accept with changes or reject"
    reference = _text(fields, "supplier_reference", errors)
    reason = _text(fields, "reason", errors)
    units = minor_units(plan.currency)
    read = [_line(ordered, fields, units, errors) for ordered in plan.lines]
    answers = tuple(answer for answer, _ in read)
    lines: tuple[AcknowledgedLine, ...] = ()
    if decision is Decision.ACCEPTED:
        changed = [a.line for a in answers if a.decision is not LineDecision.ACCEPTED]
        if changed:
            errors["decision"] = (
                f"{_lines_named(changed)} changed: choose accept with changes, or undo the change"
            )
        if any(a.promised_date is not None for a in answers):
            lines = answers
    elif decision is Decision.ACCEPTED_WITH_CHANGES:
        lines = answers
        if not plan.lines and not reason:
            errors["reason"] = "this order has no lines: say here what you change"
        elif plan.lines and not any(c for _, c in read) and not _line_errors(errors):
            errors["decision"] = "no line is changed: change a line, or choose accept"
    elif decision is Decision.REJECTED and not reason:
        errors["reason"] = "say why you reject the order"
    if errors:
        raise FormErrors(errors)
    assert decision is not None
    return Answer(decision, reference, reason, lines)


def _line(
    ordered: OrderLine, fields: Mapping[str, str], units: int | None, errors: dict[str, str]
) -> tuple[AcknowledgedLine, bool]:
    """One PO line's answer and whether it changes anything."""
    n = ordered.line
    decision = (
        _choice(fields.get(field(n, "decision"), ""), LineDecision, field(n, "decision"), errors)
        or LineDecision.ACCEPTED
    )
    quantity = _amount(fields, field(n, "quantity"), errors, units=None, above_zero=True)
    price = _amount(
        fields,
        field(n, "unit_price"),
        errors,
        units=units,
        above_zero=False,
        own=ordered.unit_price,
    )
    promised = _day(fields, field(n, "promised_date"), errors)
    if decision is LineDecision.REJECTED:
        return AcknowledgedLine(line=n, decision=decision), True
    new_quantity = quantity if quantity is not None and quantity != ordered.quantity else None
    new_price = price if price is not None and price != ordered.unit_price else None
    if decision is LineDecision.ACCEPTED and (new_quantity is not None or new_price is not None):
        decision = LineDecision.CHANGED
    if decision is LineDecision.CHANGED and (new_quantity, new_price, promised) == (None,) * 3:
        errors.setdefault(
            field(n, "decision"), "change the quantity, price or promised date, or choose accepted"
        )
    answer = AcknowledgedLine(
        line=n,
        decision=decision,
        quantity=new_quantity,
        unit_price=new_price if decision is LineDecision.CHANGED else None,
        promised_date=promised,
    )
    moved = promised is not None and promised != ordered.need_by
    return answer, decision is not LineDecision.ACCEPTED or moved


def _unknown_lines(
    fields: Mapping[str, str], lines: list[OrderLine], errors: dict[str, str]
) -> None:
    known = {str(ln.line) for ln in lines}
    unknown = sorted(
        {m.group(1) for name in fields if (m := LINE_FIELD.match(name)) and m.group(1) not in known}
    )
    if unknown:
        shown = ", ".join(u[:20] for u in unknown[:10])
        errors[FORM] = f"{'line' if len(unknown) == 1 else 'lines'} {shown}: not on this order"


def _line_errors(errors: dict[str, str]) -> bool:
    """A line field is wrong already: whether a line changes is not known."""
    return any(name.startswith("line-") for name in errors)


def _lines_named(numbers: list[int]) -> str:
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))


Choice = TypeVar("Choice", Decision, LineDecision)


def _choice(raw: str, kind: type[Choice], name: str, errors: dict[str, str]) -> Choice | None:
    value = raw.strip()
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        errors[name] = "choose one of " + ", ".join(k.value.replace("_", " ") for k in kind)
        return None


def _text(fields: Mapping[str, str], name: str, errors: dict[str, str]) -> str | None:
    value = fields.get(name, "").strip()
    if len(value) > TEXT_MAX:
        errors[name] = f"at most {TEXT_MAX} characters ({len(value)} given)"
    return value or None


def _amount(
    fields: Mapping[str, str],
    name: str,
    errors: dict[str, str],
    *,
    units: int | None,
    above_zero: bool,
    own: Decimal | None = None,
) -> Decimal | None:
    """A quantity (`above_zero`) or a price (0 or more, at most `units` decimals unless
    it is the PO's `own`: a price of 0.085 EUR the buyer set is no error of the supplier)."""
    raw = fields.get(name, "").strip()
    if not raw:
        return None
    what = "a quantity" if above_zero else "a price"
    if len(raw) > NUMBER_MAX:
        errors[name] = f"{what} of at most {NUMBER_MAX} characters"
        return None
    if NEGATIVE.match(raw):
        errors[name] = "must be more than 0" if above_zero else "cannot be negative"
        return None
    if not NUMBER.match(raw):
        errors[name] = f"{what} as digits with a point for decimals, like 12.50"
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:  # the pattern lets nothing else through; kept for safety
        errors[name] = f"{what} as digits with a point for decimals, like 12.50"
        return None
    if above_zero and value == 0:
        errors[name] = "must be more than 0 (to drop the line, choose rejected)"
        return None
    decimals = max(0, -int(value.normalize().as_tuple().exponent))
    if units is not None and decimals > units and value != own:
        allowed = "no decimals" if units == 0 else f"at most {units} decimals"
        errors[name] = f"{allowed} in this order's currency"
        return None
    return value


def _day(fields: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    raw = fields.get(name, "").strip()
    if not raw:
        return None
    try:
        found = date.fromisoformat(raw) if DAY.match(raw) else None
    except ValueError:
        found = None
    if found is None or not MIN_YEAR <= found.year <= MAX_YEAR:
        errors[name] = "a date as YYYY-MM-DD, like 2026-12-31"
        return None
    return found
