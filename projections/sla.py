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

A PO's own `acknowledgment_due_hours` overrides both.
"""

import tomllib
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from schemas.status import Channel

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

    acknowledgment_hours: float | None = Field(None, gt=0)
    delivery_minutes: dict[Channel, float] = Field(default_factory=dict)


class SlaPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledgment_hours: float = Field(48, gt=0)
    delivery_minutes: dict[Channel, float] = Field(
        default_factory=lambda: dict(DEFAULT_DELIVERY_MINUTES)
    )
    suppliers: dict[str, SupplierPolicy] = Field(default_factory=dict)

    def delivery_window(self, supplier_id: str | None, channel: Channel) -> timedelta:
        own = self.suppliers.get(supplier_id or "")
        minutes = (own.delivery_minutes.get(channel) if own else None) or self.delivery_minutes.get(
            channel, DEFAULT_DELIVERY_MINUTES[channel]
        )
        return timedelta(minutes=minutes)

    def acknowledgment_window(self, supplier_id: str | None, po_hours: float | None) -> timedelta:
        own = self.suppliers.get(supplier_id or "")
        hours = po_hours or (own.acknowledgment_hours if own else None) or self.acknowledgment_hours
        return timedelta(hours=hours)


def load_sla(path: Path | None) -> SlaPolicy:
    """The policy from a TOML file, or the defaults; a bad file is a clear ValueError."""
    if path is None:
        return SlaPolicy()
    try:
        with path.open("rb") as handle:
            return SlaPolicy.model_validate(tomllib.load(handle))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise ValueError(f"SLA policy {path}: {exc}") from exc
