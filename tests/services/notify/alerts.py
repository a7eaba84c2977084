"""Alerts and notices for the notifier's tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.views import Alert
from services.notify.notice import Notice

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def alert(
    po: str = "PO-1",
    recipient: str = "sup",
    kind: str = "acknowledgment_overdue",
    *,
    revision: int = 1,
    severity: str = "warning",
    level: int = 1,
    supplier: str = "SUP-1",
    resolved: bool = False,
    **extra: Any,
) -> Alert:
    """An alert raised at T0 (due then), resolved an hour later when `resolved`."""
    return Alert.model_validate(
        {
            "alert_id": f"{po}/r{revision}/{recipient}/{kind}",
            "po_number": po,
            "revision": revision,
            "recipient": recipient,
            "kind": kind,
            "severity": severity,
            "due_at": T0,
            "raised_at": T0,
            "resolved_at": T0 + timedelta(hours=1) if resolved else None,
            "escalation_level": level,
            "supplier_id": supplier,
            "detail": "acknowledgment by email due 2 days after the revision was announced",
        }
        | extra
    )


def notice(transition: str = "raised", **kw: Any) -> Notice:
    """A notice with a buyer email and an email address for its recipient."""
    return Notice.model_validate(
        {
            "transition": transition,
            "alert": alert(resolved=transition == "resolved", **kw),
            "supplier_name": "Acme Parts",
            "buyer_email": "buyer@example.com",
            "recipient_address": "orders@acme.example",
            "recipient_channel": "email",
        }
    )
