"""One alert transition as the notifier handles it: decoded from `po.alerts.v1`, with what
the PO's plan says about its people (buyer, supplier, recipient address). Pure."""

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from projections.fold import PoState
from schemas.topics import OutboundType
from schemas.views import Alert
from services.notify.rules import TransitionName

TRANSITION_OF_TYPE: dict[str, TransitionName] = {
    OutboundType.ALERT_RAISED: "raised",
    OutboundType.ALERT_RESOLVED: "resolved",
}


class Notice(BaseModel):
    """An alert transition plus the PO facts the messages name: the supplier's name, the
    buyer's email (`buyer.email` of the alert's revision) and the alert recipient's plan
    address and channel (None when the plan does not say)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    transition: TransitionName
    alert: Alert
    supplier_name: str | None = None
    buyer_email: str | None = None
    recipient_address: str | None = None
    recipient_channel: str | None = None

    def item(self) -> dict[str, Any]:
        """JSON-ready form, as the queue stores it."""
        return self.model_dump(mode="json")


class Unreadable(ValueError):
    """A record on the alerts topic that is not a potrack alert CloudEvent."""


def decode(value: bytes | None) -> tuple[TransitionName, Alert]:
    """The transition and alert of a structured-mode CloudEvent record of `po.alerts.v1`
    (`services.workers.outbox.encode`); Unreadable with the reason otherwise."""
    try:
        event = json.loads(value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Unreadable(f"not JSON: {exc}") from exc
    if not isinstance(event, dict):
        raise Unreadable("not a CloudEvent (a JSON object)")
    transition = TRANSITION_OF_TYPE.get(str(event.get("type")))
    if transition is None:
        raise Unreadable(f"type {event.get('type')!r} is not an alert transition")
    try:
        return transition, Alert.model_validate(event.get("data"))
    except ValidationError as exc:
        raise Unreadable(f"data is not an alert: {exc.errors(include_url=False)[:1]}") from exc


def notice_of(transition: TransitionName, alert: Alert, state: PoState | None) -> Notice:
    """The notice of one transition, with the people of the alert's revision's plan (the
    current plan when that revision is unknown; nothing when the PO is not in the store)."""
    plan = (state.plan(alert.revision) or state.plan()) if state is not None else None
    if plan is None:
        return Notice(transition=transition, alert=alert)
    recipient = next((r for r in plan.recipients if r.id == alert.recipient), None)
    return Notice(
        transition=transition,
        alert=alert,
        supplier_name=plan.supplier.name,
        buyer_email=plan.buyer.email if plan.buyer else None,
        recipient_address=recipient.address if recipient else None,
        recipient_channel=recipient.channel.value if recipient else None,
    )
