"""CloudEvents Kafka protocol binding: bytes and headers in, a validated event out.

Decoded by hand on purpose: the cloudevents SDK fills a missing `time` with the
current time, while docs/contract.md §4 requires such a message to be dead-lettered.
Pure: no I/O, no clock.
"""

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from schemas.events import INBOUND_EVENT, InboundEvent
from schemas.status import EventType

MAX_VALUE_BYTES = 1024 * 1024
CE_PREFIX = "ce_"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
_KNOWN_TYPES = frozenset(t.value for t in EventType)


class BadInput(ValueError):
    """A message that cannot be accepted; the text is the dead-letter reason."""


def header_map(headers: Iterable[tuple[str, bytes | None]] | None) -> dict[str, str]:
    """Kafka headers as a case-insensitive (lower-cased) map of text; the last one wins."""
    result: dict[str, str] = {}
    for name, raw in headers or ():
        try:
            result[name.lower()] = (raw or b"").decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput(f"header {name!r} is not UTF-8") from exc
    return result


def _json(value: bytes, what: str) -> Any:
    try:
        # Decimal keeps every digit of an amount sent as a JSON number.
        return json.loads(value, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{what} is not JSON: {exc}") from exc
    except RecursionError as exc:  # a small value can nest deeper than the parser recurses
        raise BadInput(f"{what} is JSON nested too deeply to read") from exc


def _attributes(value: bytes | None, headers: Mapping[str, str]) -> dict[str, Any]:
    if value is None:
        raise BadInput("empty value (tombstone): not a CloudEvent")
    if len(value) > MAX_VALUE_BYTES:
        raise BadInput(f"value is {len(value)} bytes, over the 1 MiB limit")
    structured = headers.get("content-type", "").startswith(STRUCTURED_CONTENT_TYPE)
    if not structured and any(name.startswith(CE_PREFIX) for name in headers):
        content_type = headers.get("content-type", "application/json").split(";")[0].strip()
        if content_type != "application/json":
            raise BadInput(f"binary mode needs content-type application/json, got {content_type!r}")
        attributes: dict[str, Any] = {
            name[len(CE_PREFIX) :]: text
            for name, text in headers.items()
            if name.startswith(CE_PREFIX)
        }
        attributes["datacontenttype"] = content_type
        attributes["data"] = _json(value, "binary-mode value")
        return attributes
    document = _json(value, "value")
    if not isinstance(document, dict) or "specversion" not in document:
        raise BadInput("not a CloudEvent: no ce_ headers and the value has no 'specversion'")
    return document


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in item["loc"] if not str(p).startswith("po."))
        parts.append(f"{where or 'event'}: {item['msg']}")
    return "; ".join(parts)


def decode(value: bytes | None, headers: Iterable[tuple[str, bytes | None]] | None) -> InboundEvent:
    """Decode one Kafka record in either content mode, or raise BadInput with the reason."""
    attributes = _attributes(value, header_map(headers))
    for required in ("subject", "time"):
        if not attributes.get(required):
            raise BadInput(f"missing required attribute {required!r}")
    event_type = attributes.get("type")
    if not isinstance(event_type, str) or event_type not in _KNOWN_TYPES:
        raise BadInput(f"unknown type {event_type!r}")
    try:
        return INBOUND_EVENT.validate_python(attributes)
    except ValidationError as exc:
        raise BadInput(f"{event_type} failed its schema: {_describe(exc)}") from exc
