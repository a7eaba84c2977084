"""X12 element values for the X12 reader: element access, dates, times, numbers.

Shared by `x12` (envelopes), `x12_acks` (997, 999, TA1) and `x12_orders` (855, 865).
Element positions are 1-based as the standard writes them (BAK03 is ``element(seg, 3)``).
The data element types are those of ASC X12.6 (Application Control Structure): DT dates
CCYYMMDD (ISA09 and TA102 YYMMDD), TM times HHMM[SS[D[D]]], R decimal numbers, N0 integers.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from services.gateway.statements import DocumentError

REASON_MAX = 512  # a statement's reason is a contract Text (schemas.events)


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of the raw reader's output split on the element separator: `seg_id`
    and its `elements` as text (a composite stays joined by its component separator, as
    pyx12's ``Segment.format`` would write it back).

    Why not `pyx12.segment.Segment`: it builds an object per element and component, which
    was 60 % of reading a 997 (measured with yappi in the gateway benchmark); the readers
    only ever need an element's text, and pyx12's raw reader has already found the
    separators in the ISA and split the segments.
    """

    seg_id: str
    elements: tuple[str, ...]

    @classmethod
    def split(cls, line: str, separator: str) -> "Segment":
        """The segment of one raw line (leading line breaks and spaces dropped)."""
        parts = line.lstrip().split(separator)
        return cls(parts[0].strip(), tuple(parts[1:]))


def element(seg: Segment, n: int) -> str:
    """Element ``n`` (1-based) of `seg` with surrounding spaces trimmed, ``""`` when the
    segment stops earlier; a composite comes back joined by its component separator."""
    els = seg.elements
    return els[n - 1].strip() if n <= len(els) else ""


def required(seg: Segment, n: int, what: str) -> str:
    """Element ``n`` of `seg`, which the standard makes mandatory; `what` names it in the
    error. Raises DocumentError("BAK03 (purchase order number) is missing") when empty."""
    value = element(seg, n)
    if not value:
        raise DocumentError(f"{seg.seg_id}{n:02d} ({what}) is missing")
    return value


def day(value: str, name: str) -> date:
    """A DT element: CCYYMMDD, or YYMMDD (taken as 20YY) for ISA09 and TA102. Raises
    DocumentError naming the element (`name`, e.g. ``BAK09``) when it is not a date."""
    try:
        if len(value) == 8 and value.isdecimal():
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if len(value) == 6 and value.isdecimal() and name in ("ISA09", "TA102"):
            return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        pass
    form = "YYMMDD" if name in ("ISA09", "TA102") else "CCYYMMDD"
    raise DocumentError(f"{name} {value!r} is not a date ({form})")


def moment(day_value: str, time_value: str, day_name: str, time_name: str) -> datetime:
    """A naive datetime from a DT and a TM element (GS04/GS05, ISA09/ISA10): X12 carries
    no zone, the partner's applies. Decimal seconds (HHMMSSDD) are kept as microseconds.
    Raises DocumentError naming the element that is not a date or a time."""
    d = day(day_value, day_name)
    t = time_value
    try:
        if t.isdecimal() and len(t) in (4, 6, 7, 8):
            fraction = int(t[6:].ljust(6, "0")) if len(t) > 6 else 0
            sec = int(t[4:6]) if len(t) >= 6 else 0
            return datetime.combine(d, time(int(t[:2]), int(t[2:4]), sec, fraction))
    except ValueError:
        pass
    raise DocumentError(f"{time_name} {t!r} is not a time (HHMM[SS[DD]])")


def number(value: str, name: str) -> Decimal | None:
    """An R (decimal) element as Decimal, None when empty. Raises DocumentError naming
    the element when it is not a finite decimal number."""
    if not value:
        return None
    try:
        found = Decimal(value)
    except InvalidOperation:
        found = None
    if found is None or not found.is_finite():
        raise DocumentError(f"{name} {value!r} is not a number")
    return found


def control_number(value: str, name: str) -> str:
    """An N0 control number (GS06, AK102, TA101) without leading zeros, as potrack's
    message ids spell it (§2b ``<GS06>.<ST02>``). Raises DocumentError when not numeric."""
    if not value.isdecimal():
        raise DocumentError(f"{name} {value!r} is not a control number")
    return str(int(value))


def clip(text: str) -> str:
    """`text` cut to the contract's 512 characters for a reason, marked with '...'."""
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 3] + "..."


@dataclass(frozen=True, slots=True)
class Group:
    """A functional group as the reader needs it: GS01, GS06 (as sent) and GS04/GS05."""

    functional_id: str
    control: str
    time: datetime


@dataclass(frozen=True, slots=True)
class TransactionSet:
    """One ST..SE, already checked against SE01/SE02: ST01 (e.g. ``997``), ST02 as sent,
    its group, and those of the segments between ST and SE that its reader reads (the
    `READS` of x12_acks and x12_orders), in order."""

    group: Group
    id: str
    control: str
    segments: tuple[Segment, ...]

    @property
    def name(self) -> str:
        """``997 0001 of group 12``: how errors and notes name this set."""
        return f"{self.id} {self.control} of group {self.group.control}"
