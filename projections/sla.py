"""The SLA policy: how long delivery and acknowledgment may take (TOML, POTRACK_SLA_FILE).

Example policy file (every key optional; these are the defaults):

    acknowledgment_hours = 48
    escalation_hours = []          # e.g. [24, 72]: see below

    [delivery_minutes]
    cxml = 15
    api = 15
    edi = 60
    email = 60
    portal = 240
    print = 2880

    [suppliers.SUP-ACME]           # per-supplier overrides
    acknowledgment_hours = 24
    delivery_minutes = { email = 30 }
    escalation_hours = [8, 24]

    [suppliers.SUP-ACME.tolerance] # key by key over [tolerance]
    quantity_pct = 5

    [tolerance]                    # how far an acknowledged line may deviate (below)
    quantity_pct = 0               # |confirmed - ordered| / ordered, in percent
    price_pct = 0                  # |confirmed - ordered unit price| / ordered, in percent
    # price_amount = 0.05          # and at most this much per unit, in the PO's currency
    days_early = 0                 # promised this many days before the need-by date
    days_late = 0                  # promised this many days after the need-by date

    accept_within_tolerance = false  # also per supplier: [suppliers.X] accept_within_tolerance

    [recipients.sup-f06-edi]       # per-recipient (trading partner) expectations
    acknowledgment_hours = 12      # 855/ORDRSP/Confirmation within; omit: as above
    receipt_minutes = 60           # a 997/999/CONTRL within, after the send; omit: none

The acknowledgment window of a recipient is the PO's own `acknowledgment_due_hours`, else
the recipient's, else the supplier's, else the policy's. A recipient with
`receipt_minutes` is expected to send a functional acknowledgment (X12 997/999, EDIFACT
CONTRL: `po.received`) within that many minutes of the send, the alert kind
`receipt_overdue` (docs/contract.md §5); without it no receipt is awaited. The trading
partners file (POTRACK_PARTNERS_FILE) gives recipient expectations too: they are merged
in with `SlaPolicy.with_recipients`, where this file's keys win, key by key.

Escalation (docs/contract.md §5 `escalation_level`): an alert is raised at level 1; an
overdue alert steps to level 2 when it turns critical (twice overdue); and every alert that
is still open `escalation_hours[i]` hours after it was raised steps up one more level per
entry (the supplier's list replaces the policy's). Each step is published as
`po.alert.raised` with the higher level; notification rules route levels with
`min_escalation`.

Tolerances (`projections.deviations`): each acknowledged line is compared with the PO
line of the revision it answers, and each deviation is within tolerance or not. The
defaults are zero: any change is outside tolerance until the policy allows it. Both price
limits apply when `price_amount` is set (as in SAP's tolerance keys: exceeding either
one is outside); omit it for a percentage-only rule. The `changes_proposed` alert is
`warning` when every deviation is within tolerance and `critical` otherwise. With
`accept_within_tolerance = true` (opt-in, per supplier or for all), an acknowledgment
`accepted_with_changes` whose every deviation is within tolerance counts as accepted for
the recipient's and the PO's status and for the commitment (its decision is still shown
as `accepted_with_changes`, with its deviations).

Every window is positive, finite and at most ten years. Pure:
`services.settings.Settings.sla_policy` reads the file.
"""

import hashlib
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from schemas.status import Channel

TEN_YEARS_HOURS = 24 * 366 * 10
# A window: positive, finite, at most ten years (so every deadline stays in the calendar).
Hours = Annotated[float, Field(gt=0, le=TEN_YEARS_HOURS, allow_inf_nan=False)]
Minutes = Annotated[float, Field(gt=0, le=TEN_YEARS_HOURS * 60, allow_inf_nan=False)]

DEFAULT_DELIVERY_MINUTES: dict[Channel, float] = {
    Channel.CXML: 15,
    Channel.API: 15,
    Channel.EDI: 60,
    Channel.EMAIL: 60,
    Channel.PORTAL: 240,
    Channel.PRINT: 2880,
}


def _no_text(value: object) -> object:
    """TOML has numbers and booleans: a quoted "1" or "yes" is a mistake, said as one."""
    if isinstance(value, str):
        raise ValueError(f"{value!r} is text; write it without quotes")
    return value


Percent = Annotated[
    Decimal, BeforeValidator(_no_text), Field(ge=0, le=100_000, allow_inf_nan=False)
]
Amount = Annotated[Decimal, BeforeValidator(_no_text), Field(ge=0, allow_inf_nan=False)]
Days = Annotated[int, BeforeValidator(_no_text), Field(ge=0, le=3660)]
Flag = Annotated[bool, BeforeValidator(_no_text), Field(strict=True)]


class Tolerance(BaseModel):
    """How far an acknowledged line may deviate from the PO line and still be within
    tolerance (issue: finance; SAP-style limits). Percentages are of the PO's value;
    `price_amount` is per unit in the PO's currency (None: no absolute limit); days count
    calendar days between the promised date and the need-by date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quantity_pct: Percent = Decimal(0)
    price_pct: Percent = Decimal(0)
    price_amount: Amount | None = None
    days_early: Days = 0
    days_late: Days = 0


class PartialTolerance(BaseModel):
    """A supplier's `[suppliers.X.tolerance]`: only the keys it sets override the policy's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quantity_pct: Percent | None = None
    price_pct: Percent | None = None
    price_amount: Amount | None = None
    days_early: Days | None = None
    days_late: Days | None = None


class SupplierPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledgment_hours: Hours | None = None
    delivery_minutes: dict[Channel, Minutes] = Field(default_factory=dict)
    escalation_hours: list[Hours] | None = None
    tolerance: PartialTolerance | None = None
    accept_within_tolerance: Flag | None = None


class RecipientPolicy(BaseModel):
    """What one recipient (a trading partner) is expected to send by when (contract §5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledgment_hours: Hours | None = None
    receipt_minutes: Minutes | None = Field(
        None,
        description="A functional acknowledgment (997/999/CONTRL) is expected within this "
        "many minutes of the send; None: none is awaited.",
    )


class SlaPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledgment_hours: Hours = 48
    delivery_minutes: dict[Channel, Minutes] = Field(
        default_factory=lambda: dict(DEFAULT_DELIVERY_MINUTES)
    )
    escalation_hours: list[Hours] = Field(
        default_factory=list,
        description="An open alert steps up one escalation level at each of these many hours "
        "after it was raised.",
    )
    tolerance: Tolerance = Field(default_factory=Tolerance)
    accept_within_tolerance: Flag = Field(
        False,
        description="Opt-in: an acknowledgment with changes all within tolerance counts as "
        "accepted for the status and the commitment.",
    )
    suppliers: dict[str, SupplierPolicy] = Field(default_factory=dict)
    recipients: dict[str, RecipientPolicy] = Field(default_factory=dict)

    def fingerprint(self) -> int:
        """A 28-bit digest of everything in the policy: the projections that judge by it
        note it, and rows made under another policy are rebuilt (`projections.runner`)."""
        text = self.model_dump_json()
        return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:7], 16)

    def tolerance_for(self, supplier_id: str | None) -> Tolerance:
        """The supplier's tolerance: its `[suppliers.X.tolerance]` keys over `[tolerance]`."""
        own = self.suppliers.get(supplier_id or "")
        if own is None or own.tolerance is None:
            return self.tolerance
        return self.tolerance.model_copy(update=own.tolerance.model_dump(exclude_none=True))

    def accepts_within_tolerance(self, supplier_id: str | None) -> bool:
        """Whether an acknowledgment with changes all within tolerance counts as accepted
        for this supplier: its own `accept_within_tolerance`, else the policy's."""
        own = self.suppliers.get(supplier_id or "")
        if own is not None and own.accept_within_tolerance is not None:
            return own.accept_within_tolerance
        return self.accept_within_tolerance

    def escalation_steps(self, supplier_id: str | None) -> list[timedelta]:
        """How long after an alert was raised it steps up each further level, ascending:
        the supplier's `escalation_hours`, else the policy's."""
        own = self.suppliers.get(supplier_id or "")
        hours = own.escalation_hours if own and own.escalation_hours is not None else None
        return sorted(
            timedelta(hours=h) for h in (self.escalation_hours if hours is None else hours)
        )

    def delivery_window(self, supplier_id: str | None, channel: Channel) -> timedelta:
        """The supplier's window for the channel, else the policy's, else the default."""
        own = self.suppliers.get(supplier_id or "")
        minutes = own.delivery_minutes.get(channel) if own else None
        if minutes is None:
            minutes = self.delivery_minutes.get(channel, DEFAULT_DELIVERY_MINUTES[channel])
        return timedelta(minutes=minutes)

    def acknowledgment_window(
        self, supplier_id: str | None, po_hours: float | None, recipient: str | None = None
    ) -> timedelta:
        """The acknowledgment window (contract §5): the PO's own hours, else the recipient's,
        else the supplier's, else the policy's."""
        hours = po_hours
        if hours is None:
            mine = self.recipients.get(recipient or "")
            hours = mine.acknowledgment_hours if mine else None
        if hours is None:
            own = self.suppliers.get(supplier_id or "")
            hours = own.acknowledgment_hours if own else None
        if hours is None:
            hours = self.acknowledgment_hours
        return timedelta(hours=hours)

    def receipt_window(self, recipient: str) -> timedelta | None:
        """How long after the send the recipient's functional acknowledgment may take
        (contract §5, `receipt_overdue`); None when none is expected of it."""
        mine = self.recipients.get(recipient)
        minutes = mine.receipt_minutes if mine else None
        return timedelta(minutes=minutes) if minutes is not None else None

    def with_recipients(self, expectations: Mapping[str, RecipientPolicy]) -> "SlaPolicy":
        """This policy with recipient `expectations` merged in (contract §5), e.g. those of
        the trading partners file (`Partners.expectations`). Key by key, this policy's own
        `[recipients.*]` entries win: the SLA policy file is where deadlines are set, so
        what it says of a recipient overrides what the partners file says, and the
        partners file fills in what it leaves unset."""
        merged = dict(self.recipients)
        for recipient, expected in expectations.items():
            own = merged.get(recipient)
            if own is None:
                merged[recipient] = expected
                continue
            keys = {**expected.model_dump(exclude_none=True), **own.model_dump(exclude_none=True)}
            merged[recipient] = RecipientPolicy(**keys)
        return self.model_copy(update={"recipients": merged})


def parse_sla(text: str, source: str) -> SlaPolicy:
    """The policy in TOML `text`; ValueError with one line naming `source` and what is
    wrong (a syntax error, or each refused key with the reason)."""
    try:
        return SlaPolicy.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"SLA policy {source}: not TOML: {exc}") from exc
    except ValidationError as exc:
        wrong = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors(include_url=False)[:5]
        )
        raise ValueError(f"SLA policy {source}: {wrong}") from exc
