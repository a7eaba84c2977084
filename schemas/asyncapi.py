"""The AsyncAPI 3.0 document of potrack's Kafka interface (docs/contract.md §1-5)."""

from collections.abc import Mapping
from typing import Any

from schemas.events import DOCUMENT_CONTENT_TYPES, PO_NUMBER_MAX
from schemas.jsonschemas import (
    CLOUDEVENTS_KAFKA_BINDING,
    CONTRACT_VERSION,
    DEADLETTER_HEADERS,
    INBOUND_ROUTES,
    INBOUND_SUMMARIES,
    JSONSCHEMA_DIR,
    KAFKA_BINDING_VERSION,
    OUTBOUND,
    STRUCTURED,
    TOPIC_DESCRIPTIONS,
)
from schemas.status import EventType
from schemas.topics import COMPACTED_TOPICS, INBOUND_TOPICS, Topic


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
    messages["po.document"] = {
        "name": "po.document",
        "title": "Raw B2B document",
        "summary": "A supplier's, VAN's, AS2 server's or mail server's document, unchanged.",
        "description": "Translated by `potrack gateway` into §2 events with `source` "
        "urn:potrack:gateway:<format> and ids from the document's control numbers; a "
        "document it cannot translate goes to po.deadletter.v1 with the reason.",
        "headers": {
            "type": "object",
            "required": ["content-type"],
            "properties": {
                "content-type": {"type": "string", "enum": list(DOCUMENT_CONTENT_TYPES)},
                "potrack-partner": {
                    "type": "string",
                    "description": "The trading partner id (POTRACK_PARTNERS_FILE), when the "
                    "connector knows it.",
                },
            },
        },
        "payload": {"description": "The document's bytes as received."},
        "bindings": {
            "kafka": {
                "key": {"description": "Any; potrack does not depend on it."},
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
        elif topic is Topic.DOCUMENTS:
            message_ids = ["po.document"]
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
        inbound = topic in (*INBOUND_TOPICS, Topic.DOCUMENTS)
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
            documents = topic is Topic.DOCUMENTS
            operation["summary"] = (
                "Translated into the inbound events by potrack gateway; ids from control "
                "numbers; bad documents go to po.deadletter.v1 with the reason."
                if documents
                else "Routed by `type`; both content modes accepted; (source, id) dedupes; "
                "bad input goes to po.deadletter.v1."
            )
            group = "POTRACK_GATEWAY_GROUP" if documents else "POTRACK_CONSUMER_GROUP"
            operation["bindings"] = {
                "kafka": {
                    "groupId": {"type": "string", "description": group},
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
