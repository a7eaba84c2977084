"""The simulated CloudEvents: structured-mode JSON objects, and the broken variants that
buggy upstream systems send (each one a reason for potrack to dead-letter it, §4)."""

import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from services.simulate.lifecycle import Fact

BAD_KINDS = (  # the defects of bad messages, each one a reason to dead-letter
    "not-json",
    "not-cloudevent",
    "unknown-type",
    "missing-subject",
    "bad-time",
    "schema",
    "binary-not-json",
)


def new_id(rng: random.Random) -> str:
    """A UUID 4 drawn from `rng` (ids depend on the seed alone)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def rfc3339(when: datetime, utc_offset: float) -> str:
    """`when` as RFC 3339 in the zone `utc_offset` hours east of UTC, to the millisecond."""
    local = when.astimezone(timezone(timedelta(hours=utc_offset)))
    return local.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cloudevent(rng: random.Random, fact: Fact, po: str, when: datetime) -> dict[str, Any]:
    """The structured-mode CloudEvent of one scripted fact of PO `po`, at `when`."""
    return {
        "specversion": "1.0",
        "id": new_id(rng),
        "source": fact.source,
        "type": fact.type.value,
        "subject": po,
        "time": rfc3339(when, fact.utc_offset),
        "datacontenttype": "application/json",
        "data": fact.data,
    }


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def broken(
    rng: random.Random, event: dict[str, Any], binary: bool
) -> tuple[dict[str, Any] | bytes, bool, str]:
    """A broken variant of a good CloudEvent, with a new id: (value, binary, defect)."""
    doc = json.loads(json.dumps(event)) | {"id": new_id(rng)}
    kind = rng.choice(BAD_KINDS)
    value: dict[str, Any] | bytes = doc
    if kind == "not-json":
        value, binary = dumps(doc)[: rng.randint(16, 64)], False
    elif kind == "not-cloudevent":
        value, binary = {"po_number": doc["subject"], "event": doc["type"], **doc["data"]}, False
    elif kind == "unknown-type":
        doc["type"] = rng.choice(("po.shipped", "po.invoiced", "PO.APPROVED"))
    elif kind == "missing-subject":
        del doc["subject"]
    elif kind == "bad-time":
        doc["time"] = doc["time"][:19]  # no offset
    elif kind == "schema":
        doc["data"]["revision"] = 0
    else:
        doc["data"], binary = b"<OrderResponse><Status>OK</Status></OrderResponse>", True
    return value, binary, kind
