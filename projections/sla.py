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

Every window is positive, finite and at most ten years. Pure:
`services.settings.Settings.sla_policy` reads the file.
"""

import tomllib
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class SupplierPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledgment_hours: Hours | None = None
    delivery_minutes: dict[Channel, Minutes] = Field(default_factory=dict)
    escalation_hours: list[Hours] | None = None


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
    suppliers: dict[str, SupplierPolicy] = Field(default_factory=dict)
    recipients: dict[str, RecipientPolicy] = Field(default_factory=dict)

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
