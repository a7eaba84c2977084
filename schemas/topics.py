"""Topic names and outbound CloudEvents types: the only place they live (contract §2, §5)."""

from enum import StrEnum

from schemas.status import EventType


class Topic(StrEnum):
    """Every topic potrack reads or writes (docs/contract.md §2, §5)."""

    DISTRIBUTION = "po.distribution.v1"
    DELIVERY = "po.delivery.v1"
    ACKNOWLEDGMENT = "po.acknowledgment.v1"
    STATUS = "po.status.v1"
    ALERTS = "po.alerts.v1"
    COMMITMENTS = "po.commitments.v1"
    DEADLETTER = "po.deadletter.v1"
    DOCUMENTS = "po.documents.v1"


class OutboundType(StrEnum):
    """CloudEvents `type` of every record potrack publishes (docs/contract.md §5)."""

    STATUS = "po.status"
    ALERT_RAISED = "po.alert.raised"
    ALERT_RESOLVED = "po.alert.resolved"
    COMMITMENT = "po.commitment"


INBOUND_TOPICS: tuple[Topic, ...] = (Topic.DISTRIBUTION, Topic.DELIVERY, Topic.ACKNOWLEDGMENT)
COMPACTED_TOPICS: tuple[Topic, ...] = (Topic.STATUS, Topic.COMMITMENTS)
OUTBOUND_TOPICS: tuple[Topic, ...] = (Topic.STATUS, Topic.ALERTS, Topic.COMMITMENTS)

# docs/contract.md §2: producers put each inbound type on this topic.
TOPIC_OF_TYPE: dict[EventType, Topic] = {
    EventType.APPROVED: Topic.DISTRIBUTION,
    EventType.REVISED: Topic.DISTRIBUTION,
    EventType.CANCELLED: Topic.DISTRIBUTION,
    EventType.SENT: Topic.DISTRIBUTION,
    EventType.DELIVERED: Topic.DELIVERY,
    EventType.DELIVERY_FAILED: Topic.DELIVERY,
    EventType.RECEIVED: Topic.DELIVERY,
    EventType.ACKNOWLEDGED: Topic.ACKNOWLEDGMENT,
}
