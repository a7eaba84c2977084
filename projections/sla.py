"""The SLA policy: how long delivery and acknowledgment may take (TOML, POTRACK_SLA_FILE).

Example policy file (every key optional; these are the defaults):

    acknowledgment_hours = 48

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

A PO's own `acknowledgment_due_hours` overrides both. Every window is positive, finite
and at most ten years. Pure: `services.settings.Settings.sla_policy` reads the file.
"""

import tomllib
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


class SlaPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledgment_hours: Hours = 48
    delivery_minutes: dict[Channel, Minutes] = Field(
        default_factory=lambda: dict(DEFAULT_DELIVERY_MINUTES)
    )
    suppliers: dict[str, SupplierPolicy] = Field(default_factory=dict)

    def delivery_window(self, supplier_id: str | None, channel: Channel) -> timedelta:
        """The supplier's window for the channel, else the policy's, else the default."""
        own = self.suppliers.get(supplier_id or "")
        minutes = own.delivery_minutes.get(channel) if own else None
        if minutes is None:
            minutes = self.delivery_minutes.get(channel, DEFAULT_DELIVERY_MINUTES[channel])
        return timedelta(minutes=minutes)

    def acknowledgment_window(self, supplier_id: str | None, po_hours: float | None) -> timedelta:
        """The PO's own hours, else the supplier's, else the policy's."""
        own = self.suppliers.get(supplier_id or "")
        hours = po_hours
        if hours is None:
            hours = own.acknowledgment_hours if own else None
        if hours is None:
            hours = self.acknowledgment_hours
        return timedelta(hours=hours)


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
