"""Sent projection: every `po.sent`, for the B2B gateway's correlation (contract §2b).

A reply document (997, CONTRL, DSN, MDN, AS2 MDN, cXML StatusUpdateRequest) names the
message it answers; `sent_messages` maps that message id to the PO, revision, recipient,
channel and send time, per recipient, and `plan_addresses` keeps each plan's recipient
addresses, which tell apart the recipients of one email. A business acknowledgment that
names only the PO takes its revision from the last one sent to its recipient
(`sent_revisions`). Publishes nothing.
"""

from collections.abc import Sequence

from projections.correlation import SentMessage
from projections.runner import Context
from projections.tables import Tx, sent
from schemas.events import ApprovedData, SentData
from schemas.recorded import Fact
from schemas.status import EventType


class SentProjection:
    """Adds a row per recorded `po.sent` (idempotent: re-applying a batch changes nothing)."""

    name = "sent"
    version = 1
    publishes_on_replay = False

    def reset(self, tx: Tx) -> None:
        sent.reset(tx)

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        rows: list[sent.Send] = []
        addresses: list[tuple[str, int, str, str]] = []
        for _, fact in facts:
            if fact.type in (EventType.APPROVED, EventType.REVISED):
                plan = fact.payload
                assert isinstance(plan, ApprovedData)
                addresses += [
                    (fact.subject, plan.revision, r.id, r.address)
                    for r in plan.recipients
                    if r.address
                ]
                continue
            if fact.type != EventType.SENT:
                continue
            data = fact.payload
            assert isinstance(data, SentData)
            if data.message_id:
                rows.append(
                    SentMessage(
                        data.message_id,
                        fact.subject,
                        data.revision,
                        data.recipient,
                        data.channel.value,
                        fact.time,
                    )
                )
            else:
                rows.append((fact.subject, data.recipient, data.revision, fact.time))
        sent.add(tx, rows)
        sent.add_addresses(tx, addresses)
