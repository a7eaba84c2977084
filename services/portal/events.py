"""The portal's events on the inbound topics (pure; contract §2, issue 13): a view is a
`po.received` with `evidence: portal-viewed`, an answer a `po.acknowledged`, both with
`source` `urn:potrack:portal` and the time they happened (`now`, passed in).

Identity decides what ingest keeps ((`source`, `id`) is one event, contract §1):

- a view's `id` is `portal-viewed:{po}:{revision}:{recipient}`: every view of a link is
  the same event, so the first one recorded is the evidence and later ones change nothing;
- an answer's `id` is a hash of the claim (PO, revision, recipient), the canonical answer
  (decimals normalised, lines in order) and the acknowledgment it replaces (the
  recipient's counting one, or none). A double click sends the same answer against the
  same counting acknowledgment: one event. An answer equal to the counting one, which the
  portal sent, is that very event again. A different answer is a new event, and so is
  going back to an earlier answer after another one (A, B, A: the third counts), as the
  contract's latest-wins rule needs (§3).
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from projections.fold import Ack
from schemas.events import INBOUND_EVENT, AcknowledgedLine
from schemas.status import EventType
from schemas.topics import TOPIC_OF_TYPE, Topic
from services.portal.form import Answer
from services.portal.links import PortalClaim

SOURCE = "urn:potrack:portal"
EVIDENCE = "portal-viewed"
ID_MAX = 256  # schemas.events.Envelope.id

Event = dict[str, Any]


def viewed(claim: PortalClaim, now: datetime) -> tuple[Topic, Event]:
    """The `po.received` (evidence `portal-viewed`) of a view of the claim's page at `now`
    (an aware datetime), and its topic (po.delivery.v1)."""
    data = {"revision": claim.revision, "recipient": claim.recipient, "evidence": EVIDENCE}
    text = f"{EVIDENCE}:{claim.po_number}:{claim.revision}:{claim.recipient}"
    return _event(EventType.RECEIVED, _short(text, EVIDENCE), claim.po_number, now, data)


def answered(
    claim: PortalClaim,
    answer: Answer,
    previous: Ack | None,
    now: datetime,
    last_sent: tuple[str, str] | None = None,
) -> tuple[Topic, Event]:
    """The `po.acknowledged` of `answer` sent at `now`, replacing `previous` (the
    recipient's counting acknowledgment of that revision, if any), and its topic
    (po.acknowledgment.v1). See the module docstring for its `id`. `last_sent`: the id
    and `digest` of the answer this browser sent last (its signed note), which ingest
    may not have recorded yet: the same answer again is that event again (a double
    click), and with it A, B, A sent faster than ingest records them is three events
    (the third would otherwise take the first's id and be dropped as its duplicate)."""
    mine = canonical(answer.decision, answer.supplier_reference, answer.reason, answer.lines)
    if last_sent is not None and last_sent[1] == digest(answer):
        event_id = last_sent[0]  # this browser's last answer again
    elif (
        (last_sent is None or (previous is not None and last_sent[0] == previous.order[1]))
        and previous is not None
        and previous.order[2] == SOURCE
        and canonical_of(previous) == mine
    ):
        event_id = previous.order[1]  # the counting answer again: the same event
    else:
        replaces = [previous.order[2], previous.order[1]] if previous is not None else None
        claimed = [claim.po_number, claim.revision, claim.recipient]
        chain = [claimed, mine, replaces] + ([last_sent[0]] if last_sent is not None else [])
        event_id = f"portal-answer:{hashlib.sha256(json.dumps(chain).encode()).hexdigest()}"
    data = answer.data(claim.revision, claim.recipient)
    return _event(EventType.ACKNOWLEDGED, event_id, claim.po_number, now, data)


def digest(answer: Answer) -> str:
    """A short fingerprint of what `answer` says (`canonical`), for the browser's note."""
    text = canonical(answer.decision, answer.supplier_reference, answer.reason, answer.lines)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def canonical_of(ack: Ack) -> str:
    """`canonical` of an acknowledgment as the fold keeps it."""
    return canonical(ack.decision, ack.supplier_reference, ack.reason, ack.lines)


def canonical(
    decision: str,
    supplier_reference: str | None,
    reason: str | None,
    lines: Sequence[AcknowledgedLine],
) -> str:
    """One text per meaning: 12.50 and 12.5 are one price, lines are in line order."""
    rows = [
        [
            ln.line,
            str(ln.decision),
            _number(ln.quantity),
            _number(ln.unit_price),
            ln.promised_date.isoformat() if ln.promised_date else None,
        ]
        for ln in sorted(lines, key=lambda ln: ln.line)
    ]
    return json.dumps([str(decision), supplier_reference, reason, rows], separators=(",", ":"))


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _short(text: str, kind: str) -> str:
    """`text` as an id, or `kind:` and its SHA-256 when longer than an id may be."""
    if len(text) <= ID_MAX:
        return text
    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def _event(
    type_: EventType, event_id: str, po_number: str, now: datetime, data: dict[str, Any]
) -> tuple[Topic, Event]:
    """A structured-mode CloudEvent the contract accepts (checked with its models: a
    ValidationError here is a bug, never the supplier's input) and its topic."""
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": SOURCE,
        "type": type_.value,
        "subject": po_number,
        "time": now.isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }
    INBOUND_EVENT.validate_python(event)
    return TOPIC_OF_TYPE[type_], event
