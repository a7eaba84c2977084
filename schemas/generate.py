"""Generate the published message schemas from the pydantic models.

    python -m schemas.generate           # (re)write the files
    python -m schemas.generate --check   # exit 1, listing the stale files, if any differ

Writes, under this package's directory:

- `jsonschema/<type>.json`: JSON Schema (2020-12) of each CloudEvent type as a whole
  (structured mode: the Kafka value), inbound and outbound;
- `jsonschema/<type>.data.json`: JSON Schema of its `data` (binary mode: the Kafka value);
- `asyncapi.json`: an AsyncAPI 3.0 document of potrack's Kafka interface (CONTRACT §1-5).

Output is a pure function of the models: sorted keys, indent 2, trailing newline, no
timestamps, so the committed files can be compared with a fresh generation.
"""

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from schemas.events import DATA_MODELS, EVENT_MODELS, PO_NUMBER_MAX
from schemas.status import EventType
from schemas.topics import COMPACTED_TOPICS, INBOUND_TOPICS, TOPIC_OF_TYPE, Topic
from schemas.views import Alert, Commitment, StatusView

ROOT = Path(__file__).resolve().parent
JSONSCHEMA_DIR = "jsonschema"
ASYNCAPI_FILE = "asyncapi.json"
REGENERATE = "make schemas  (or: python -m schemas.generate)"

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CONTRACT_VERSION = "1.0.0"
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
    EventType.DELIVERED: "Transport evidence that it arrived (SMTP 250 / DSN, AS2 MDN, 2xx).",
    EventType.DELIVERY_FAILED: "Transport failure; `permanent` says whether retries stop.",
    EventType.RECEIVED: "The recipient's side took it in (read receipt, 997/CONTRL, portal).",
    EventType.ACKNOWLEDGED: "Business response (X12 855, EDIFACT ORDRSP, cXML, portal).",
}

TOPIC_DESCRIPTIONS: dict[Topic, str] = {
    Topic.DISTRIBUTION: "Approvals, change orders, cancellations and sends.",
    Topic.DELIVERY: "Transport evidence: deliveries, delivery failures and receipts.",
    Topic.ACKNOWLEDGMENT: "Business acknowledgments of suppliers.",
    Topic.STATUS: "Compacted: the latest status view of every PO (CONTRACT §6), keyed by PO.",
    Topic.ALERTS: "Alerts raised and resolved on event-time deadlines.",
    Topic.COMMITMENTS: "Compacted: the finance commitment of every PO, keyed by PO.",
    Topic.DEADLETTER: "Inbound messages that could not be accepted, unchanged (CONTRACT §4).",
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


def _outbound(name: str, event_type: str, data: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {"type": (Literal[event_type], ...), "data": (data, ...)}
    model: type[BaseModel] = create_model(
        name,
        __base__=OutboundEnvelope,
        __doc__=f"The `{event_type}` CloudEvent potrack publishes (structured mode).",
        **fields,
    )
    return model


# Outbound type -> (topic, CloudEvent model, data model, summary)
OUTBOUND: dict[str, tuple[Topic, type[BaseModel], type[BaseModel], str]] = {
    "po.status": (
        Topic.STATUS,
        _outbound("PoStatusEvent", "po.status", StatusView),
        StatusView,
        "The status view of one PO; `version` rises by one per accepted event.",
    ),
    "po.alert.raised": (
        Topic.ALERTS,
        _outbound("PoAlertRaised", "po.alert.raised", Alert),
        Alert,
        "An alert was raised.",
    ),
    "po.alert.resolved": (
        Topic.ALERTS,
        _outbound("PoAlertResolved", "po.alert.resolved", Alert),
        Alert,
        "An alert was resolved: the fact it waited for was recorded, or the PO cancelled.",
    ),
    "po.commitment": (
        Topic.COMMITMENTS,
        _outbound("PoCommitmentEvent", "po.commitment", Commitment),
        Commitment,
        "The finance commitment of one PO.",
    ),
}

# The outbound data file of a type: the two alert types share theirs.
OUTBOUND_DATA_FILES: dict[str, str] = {
    "po.status": "po.status.data.json",
    "po.alert.raised": "po.alert.data.json",
    "po.alert.resolved": "po.alert.data.json",
    "po.commitment": "po.commitment.data.json",
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


def _ref(*path: str) -> dict[str, str]:
    """A local reference; JSON Pointer escapes `~` and `/` in each part."""
    parts = (p.replace("~", "~0").replace("/", "~1") for p in path)
    return {"$ref": "#/" + "/".join(parts)}


def _file(name: str) -> dict[str, str]:
    return {"$ref": f"./{JSONSCHEMA_DIR}/{name}"}


def _channel_id(topic: Topic) -> str:
    return topic.name.lower()


def _key(schema: dict[str, Any]) -> dict[str, Any]:
    return {"key": schema, "bindingVersion": KAFKA_BINDING_VERSION}


def _binary_headers(event_type: str) -> dict[str, Any]:
    return {
        "type": "object",
        "allOf": [
            _ref("components", "schemas", "CloudEventsBinaryHeaders"),
            {"properties": {"ce_type": {"const": event_type, "type": "string"}}},
        ],
    }


def _components() -> dict[str, Any]:
    inbound_key = _key({"description": "SHOULD be the PO number; potrack does not depend on it."})
    po_key = _key({"type": "string", "maxLength": PO_NUMBER_MAX, "description": "The PO number."})
    messages: dict[str, Any] = {}
    for event_type in EventType:
        messages[event_type.value] = {
            "name": event_type.value,
            "title": f"{event_type.value} (structured mode)",
            "summary": INBOUND_SUMMARIES[event_type],
            "payload": _file(f"{event_type}.json"),
            "traits": [_ref("components", "messageTraits", "CloudEventsStructured")],
            "bindings": {"kafka": inbound_key},
        }
        messages[f"{event_type.value}.binary"] = {
            "name": f"{event_type.value}.binary",
            "title": f"{event_type.value} (binary mode)",
            "summary": INBOUND_SUMMARIES[event_type],
            "headers": _binary_headers(event_type.value),
            "payload": _file(f"{event_type}.data.json"),
            "traits": [_ref("components", "messageTraits", "CloudEventsBinary")],
            "bindings": {"kafka": inbound_key},
        }
    for outbound_type, (_topic, _model, _data, summary) in OUTBOUND.items():
        messages[outbound_type] = {
            "name": outbound_type,
            "title": outbound_type,
            "summary": summary,
            "payload": _file(f"{outbound_type}.json"),
            "traits": [_ref("components", "messageTraits", "CloudEventsStructured")],
            "bindings": {"kafka": po_key},
        }
    messages["po.deadletter"] = {
        "name": "po.deadletter",
        "title": "Dead letter",
        "summary": "An inbound message that could not be accepted, published unchanged.",
        "description": "Value, key and original headers are the refused message's own; "
        "potrack adds the four potrack-* headers. Consumption of the source goes on.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "required": sorted(DEADLETTER_HEADERS),
            "properties": DEADLETTER_HEADERS,
        },
        "payload": {"description": "The original value, byte for byte (absent for a tombstone)."},
        "bindings": {
            "kafka": {
                "key": {"description": "The original key, unchanged."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
    return {
        "messages": messages,
        "messageTraits": {
            "CloudEventsStructured": {
                "contentType": STRUCTURED,
                "description": "CloudEvents 1.0, Kafka protocol binding, structured mode: the "
                "value is the whole event as JSON. Inbound, the content-type header is optional.",
                "headers": {
                    "type": "object",
                    "properties": {"content-type": {"type": "string", "const": STRUCTURED}},
                },
                "externalDocs": {"url": CLOUDEVENTS_KAFKA_BINDING},
            },
            "CloudEventsBinary": {
                "contentType": "application/json",
                "description": "CloudEvents 1.0, Kafka protocol binding, binary mode: the "
                "attributes are ce_* headers and the value is the JSON `data`.",
                "externalDocs": {"url": CLOUDEVENTS_KAFKA_BINDING},
            },
        },
        "schemas": {
            "CloudEventsBinaryHeaders": {
                "type": "object",
                "required": [
                    "ce_id",
                    "ce_source",
                    "ce_specversion",
                    "ce_subject",
                    "ce_time",
                    "ce_type",
                ],
                "properties": {
                    "ce_specversion": {"type": "string", "const": "1.0"},
                    "ce_id": {"type": "string", "minLength": 1},
                    "ce_source": {"type": "string", "minLength": 1},
                    "ce_type": {"type": "string"},
                    "ce_subject": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": PO_NUMBER_MAX,
                        "description": "The PO number.",
                    },
                    "ce_time": {
                        "type": "string",
                        "format": "date-time",
                        "description": "Event time, RFC 3339 with an offset.",
                    },
                    "content-type": {
                        "type": "string",
                        "pattern": "^application/json(\\s*;.*)?$",
                    },
                },
            }
        },
    }


def _channels() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for topic in Topic:
        if topic in INBOUND_TOPICS:
            names = [t.value for t in EventType if INBOUND_ROUTES[t] is topic]
            message_ids = [m for name in names for m in (name, f"{name}.binary")]
        elif topic is Topic.DEADLETTER:
            message_ids = ["po.deadletter"]
        else:
            message_ids = [name for name, spec in OUTBOUND.items() if spec[0] is topic]
        kafka: dict[str, Any] = {"bindingVersion": KAFKA_BINDING_VERSION}
        if topic in COMPACTED_TOPICS:
            kafka["topicConfiguration"] = {"cleanup.policy": ["compact"]}
        channels[_channel_id(topic)] = {
            "address": topic.value,
            "title": topic.value,
            "description": TOPIC_DESCRIPTIONS[topic],
            "messages": {m: _ref("components", "messages", m) for m in message_ids},
            "bindings": {"kafka": kafka},
        }
    return channels


def _operations(channels: Mapping[str, Any]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for topic in Topic:
        channel = _channel_id(topic)
        inbound = topic in INBOUND_TOPICS
        verb = "receive" if inbound else "send"
        operation: dict[str, Any] = {
            "action": verb,
            "channel": _ref("channels", channel),
            "title": f"{verb} {topic.value}",
            "messages": [
                _ref("channels", channel, "messages", m) for m in channels[channel]["messages"]
            ],
        }
        if inbound:
            operation["summary"] = (
                "Routed by `type`; both content modes accepted; (source, id) dedupes; "
                "bad input goes to po.deadletter.v1."
            )
            operation["bindings"] = {
                "kafka": {
                    "groupId": {"type": "string", "description": "POTRACK_CONSUMER_GROUP"},
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            }
        operations[f"{verb}{''.join(p.title() for p in channel.split('_'))}"] = operation
    return operations


def asyncapi() -> dict[str, Any]:
    channels = _channels()
    return {
        "asyncapi": "3.0.0",
        "id": "urn:potrack",
        "info": {
            "title": "potrack",
            "version": CONTRACT_VERSION,
            "description": "Purchase-order distribution tracking. Every message in and out is "
            "a CloudEvents 1.0 event over Kafka; inbound events are routed by `type`, "
            "identified by (`source`, `id`), and need `subject` (the PO number) and `time` "
            "(event time). Topic names may carry a deployment prefix (POTRACK_TOPIC_PREFIX).",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": STRUCTURED,
        "servers": {
            "kafka": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "Set by POTRACK_KAFKA_BOOTSTRAP_SERVERS.",
            }
        },
        "channels": channels,
        "operations": _operations(channels),
        "components": _components(),
    }


# --- files -----------------------------------------------------------------------------------


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """Relative path (to this package) -> file text, for every generated file."""
    files = {f"{JSONSCHEMA_DIR}/{name}": render(s) for name, s in json_schemas().items()}
    files[ASYNCAPI_FILE] = render(asyncapi())
    return dict(sorted(files.items()))


def _on_disk(root: Path) -> set[str]:
    folder = root / JSONSCHEMA_DIR
    found = (
        {f"{JSONSCHEMA_DIR}/{p.name}" for p in folder.glob("*.json")} if folder.is_dir() else set()
    )
    return found | ({ASYNCAPI_FILE} if (root / ASYNCAPI_FILE).exists() else set())


def stale(root: Path | None = None, files: Mapping[str, str] | None = None) -> list[str]:
    """Paths that differ from a fresh generation: missing, changed, or no longer generated."""
    root = ROOT if root is None else root
    files = generate() if files is None else files
    changed = [
        path
        for path, text in files.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]
    return sorted({*changed, *(_on_disk(root) - set(files))})


def write(root: Path | None = None) -> list[str]:
    """Bring the files up to date; returns the paths written or removed."""
    root = ROOT if root is None else root
    files = generate()
    touched = stale(root, files)
    for path in touched:
        target = root / path
        if path in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(files[path], encoding="utf-8")
        else:
            target.unlink()
    return touched


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale()
        if outdated:
            print(f"stale generated schemas; regenerate with: {REGENERATE}", file=sys.stderr)
            for path in outdated:
                print(f"  schemas/{path}", file=sys.stderr)
            return 1
        print("generated schemas are up to date")
        return 0
    for path in write():
        print(f"wrote schemas/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
