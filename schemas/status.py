"""Status words and enumerations fixed by the contract (docs/contract.md §2, §3)."""

from enum import StrEnum


class EventType(StrEnum):
    """Inbound CloudEvents `type` values."""

    APPROVED = "po.approved"
    REVISED = "po.revised"
    CANCELLED = "po.cancelled"
    SENT = "po.sent"
    DELIVERED = "po.delivered"
    DELIVERY_FAILED = "po.delivery_failed"
    RECEIVED = "po.received"
    ACKNOWLEDGED = "po.acknowledged"


class RecipientKind(StrEnum):
    SUPPLIER = "supplier"
    INTERNAL = "internal"


class Channel(StrEnum):
    EMAIL = "email"
    EDI = "edi"
    CXML = "cxml"
    PORTAL = "portal"
    API = "api"
    PRINT = "print"


class Decision(StrEnum):
    """A supplier's business response to one revision."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_CHANGES = "accepted_with_changes"
    REJECTED = "rejected"


class LineDecision(StrEnum):
    ACCEPTED = "accepted"
    CHANGED = "changed"
    REJECTED = "rejected"
    BACKORDERED = "backordered"


class RecipientStatus(StrEnum):
    """Per recipient and revision; see STRENGTH for the order."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    CHANGES_PROPOSED = "changes_proposed"
    REJECTED = "rejected"
    FAILED = "failed"


# pending < sent < delivered < received < (acknowledged | changes_proposed | rejected).
# `failed` stands apart: it is not "at least delivered".
STRENGTH: dict[RecipientStatus, int] = {
    RecipientStatus.PENDING: 0,
    RecipientStatus.SENT: 1,
    RecipientStatus.DELIVERED: 2,
    RecipientStatus.RECEIVED: 3,
    RecipientStatus.ACKNOWLEDGED: 4,
    RecipientStatus.CHANGES_PROPOSED: 4,
    RecipientStatus.REJECTED: 4,
    RecipientStatus.FAILED: -1,
}

DECISION_STATUS: dict[Decision, RecipientStatus] = {
    Decision.ACCEPTED: RecipientStatus.ACKNOWLEDGED,
    Decision.ACCEPTED_WITH_CHANGES: RecipientStatus.CHANGES_PROPOSED,
    Decision.REJECTED: RecipientStatus.REJECTED,
}


class POStatus(StrEnum):
    """Per PO, in the precedence order of docs/contract.md §3 (first match wins)."""

    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    REJECTED = "rejected"
    CHANGES_PROPOSED = "changes_proposed"
    DELIVERY_FAILED = "delivery_failed"
    ACKNOWLEDGED = "acknowledged"
    DISTRIBUTED = "distributed"
    AWAITING_ACKNOWLEDGMENT = "awaiting_acknowledgment"
    DISTRIBUTING = "distributing"
