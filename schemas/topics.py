"""Kafka topic names: the only place they live."""

from enum import StrEnum


class Topic(StrEnum):
    """Every topic potrack reads or writes (CONTRACT §2, §5)."""

    DISTRIBUTION = "po.distribution.v1"
    DELIVERY = "po.delivery.v1"
    ACKNOWLEDGMENT = "po.acknowledgment.v1"
    STATUS = "po.status.v1"
    ALERTS = "po.alerts.v1"
    COMMITMENTS = "po.commitments.v1"
    DEADLETTER = "po.deadletter.v1"


INBOUND_TOPICS: tuple[Topic, ...] = (Topic.DISTRIBUTION, Topic.DELIVERY, Topic.ACKNOWLEDGMENT)
COMPACTED_TOPICS: tuple[Topic, ...] = (Topic.STATUS, Topic.COMMITMENTS)
OUTBOUND_TOPICS: tuple[Topic, ...] = (Topic.STATUS, Topic.ALERTS, Topic.COMMITMENTS)
