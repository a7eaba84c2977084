"""JSON Schemas of every message, and the constants the AsyncAPI document shares."""

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from schemas.events import DATA_MODELS, EVENT_MODELS
from schemas.status import EventType
from schemas.topics import TOPIC_OF_TYPE, OutboundType, Topic
from schemas.views import Alert, Commitment, StatusView

ROOT = Path(__file__).resolve().parent
JSONSCHEMA_DIR = "jsonschema"
ASYNCAPI_FILE = "asyncapi.json"
REGENERATE = "make schemas  (or: python -m schemas.generate)"

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CONTRACT_VERSION = "1.1.0"
KAFKA_BINDING_VERSION = "0.5.0"
OUTBOUND_SOURCE = "urn:potrack"
STRUCTURED = "application/cloudevents+json"
CLOUDEVENTS_KAFKA_BINDING = (
    "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md"
)

INBOUND_ROUTES = TOPIC_OF_TYPE

INBOUND_SUMMARIES: dict[EventType, str] = {
    EventType.APPROVED: "PO approved; starts tracking; carries the distribution plan.",
    EventType.REVISED: "Change order: a new revision to re-distribute and re-acknowledge.",
    EventType.CANCELLED: "PO cancelled.",
    EventType.SENT: "A gateway sent the PO to one recipient.",
    EventType.DELIVERED: "It reached the recipient's server or system (DSN delivered, AS2 MDN,"
    " 2xx); a relay's SMTP 250 is po.sent.",
    EventType.DELIVERY_FAILED: "Transport failure; `permanent` says whether retries stop.",
    EventType.RECEIVED: "The recipient's side took it in (read receipt, 997/CONTRL, portal).",
    EventType.ACKNOWLEDGED: "Business response (X12 855, EDIFACT ORDRSP, cXML, portal).",
}

TOPIC_DESCRIPTIONS: dict[Topic, str] = {
    Topic.DISTRIBUTION: "Approvals, change orders, cancellations and sends.",
    Topic.DELIVERY: "Transport evidence: deliveries, delivery failures and receipts.",
    Topic.ACKNOWLEDGMENT: "Business acknowledgments of suppliers.",
    Topic.STATUS: "Compacted: the latest status view of every PO (docs/contract.md §6),"
    " keyed by PO.",
    Topic.ALERTS: "Alerts raised and resolved on event-time deadlines.",
    Topic.COMMITMENTS: "Compacted: the finance commitment of every PO, keyed by PO.",
    Topic.DEADLETTER: "Inbound messages that could not be accepted, unchanged"
    " (docs/contract.md §4).",
    Topic.DOCUMENTS: "Raw B2B documents as received (X12, EDIFACT, cXML, DSN/MDN/AS2 MDN),"
    " translated by `potrack gateway` into the inbound events (docs/contract.md §2b).",
}


class OutboundEnvelope(BaseModel):
    """A structured-mode CloudEvent published by potrack."""

    model_config = ConfigDict(extra="ignore")

    specversion: Literal["1.0"]
    id: str = Field(description="Derived from the content: a re-sent message keeps its id.")
    source: Literal["urn:potrack"]
    subject: str = Field(description="The PO number (also the Kafka key).")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"


def _outbound(name: str, event_type: OutboundType, data: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {"type": (Literal[event_type.value], ...), "data": (data, ...)}
    model: type[BaseModel] = create_model(
        name,
        __base__=OutboundEnvelope,
        __doc__=f"The `{event_type}` CloudEvent potrack publishes (structured mode).",
        **fields,
    )
    return model


# Outbound type -> (topic, CloudEvent model, data model, summary)
OUTBOUND: dict[OutboundType, tuple[Topic, type[BaseModel], type[BaseModel], str]] = {
    OutboundType.STATUS: (
        Topic.STATUS,
        _outbound("PoStatusEvent", OutboundType.STATUS, StatusView),
        StatusView,
        "The status view of one PO; `version` rises by one per accepted event.",
    ),
    OutboundType.ALERT_RAISED: (
        Topic.ALERTS,
        _outbound("PoAlertRaised", OutboundType.ALERT_RAISED, Alert),
        Alert,
        "An alert was raised.",
    ),
    OutboundType.ALERT_RESOLVED: (
        Topic.ALERTS,
        _outbound("PoAlertResolved", OutboundType.ALERT_RESOLVED, Alert),
        Alert,
        "An alert was resolved: the fact it waited for was recorded, or the PO cancelled.",
    ),
    OutboundType.COMMITMENT: (
        Topic.COMMITMENTS,
        _outbound("PoCommitmentEvent", OutboundType.COMMITMENT, Commitment),
        Commitment,
        "The finance commitment of one PO.",
    ),
}

# The outbound data file of a type: the two alert types share theirs.
OUTBOUND_DATA_FILES: dict[OutboundType, str] = {
    OutboundType.STATUS: "po.status.data.json",
    OutboundType.ALERT_RAISED: "po.alert.data.json",
    OutboundType.ALERT_RESOLVED: "po.alert.data.json",
    OutboundType.COMMITMENT: "po.commitment.data.json",
}

DEADLETTER_HEADERS: dict[str, dict[str, Any]] = {
    "potrack-error": {"type": "string", "description": "Why it was refused, for a person."},
    "potrack-source-topic": {
        "type": "string",
        "description": "The topic it was read from: one of the inbound topics, with any "
        "POTRACK_TOPIC_PREFIX.",
    },
    "potrack-source-partition": {
        "type": "string",
        "pattern": "^[0-9]+$",
        "description": "Its partition, as decimal text.",
    },
    "potrack-source-offset": {
        "type": "string",
        "pattern": "^[0-9]+$",
        "description": "Its offset, as decimal text.",
    },
}


# --- JSON Schema -----------------------------------------------------------------------------


def _schema(model: type[BaseModel], mode: Literal["validation", "serialization"]) -> dict[str, Any]:
    return {"$schema": JSON_SCHEMA_DIALECT, **model.model_json_schema(mode=mode)}


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name (under jsonschema/) -> schema, for every message potrack reads or writes."""
    files: dict[str, dict[str, Any]] = {}
    for event_type, model in EVENT_MODELS.items():
        files[f"{event_type}.json"] = _schema(model, "validation")
        files[f"{event_type}.data.json"] = _schema(DATA_MODELS[event_type], "validation")
    for outbound_type, (_topic, event_model, data_model, _summary) in OUTBOUND.items():
        files[f"{outbound_type}.json"] = _schema(event_model, "serialization")
        files[OUTBOUND_DATA_FILES[outbound_type]] = _schema(data_model, "serialization")
    return files


# --- AsyncAPI 3.0 ----------------------------------------------------------------------------
