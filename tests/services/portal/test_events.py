"""The portal's CloudEvents: a view is one `po.received` per link, an answer a
`po.acknowledged` whose id makes a double click one event and a later answer a new one."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from projections.fold import Ack, fold
from schemas.binding import STRUCTURED_CONTENT_TYPE, decode
from schemas.events import AcknowledgedLine
from schemas.recorded import Fact
from schemas.status import Decision, LineDecision
from schemas.topics import Topic
from services.portal.events import SOURCE, answered, digest, viewed
from services.portal.form import Answer
from services.portal.links import PortalClaim
from tests.factories import T0, approved

CLAIM = PortalClaim("PO-1", 1, "S1", T0, T0 + timedelta(days=30))
ACCEPT = Answer(Decision.ACCEPTED, "SO-1", None, ())
CHANGE = Answer(
    Decision.ACCEPTED_WITH_CHANGES,
    None,
    None,
    (AcknowledgedLine(line=1, decision=LineDecision.CHANGED, quantity=Decimal("90")),),
)


def recorded(event: dict[str, Any]) -> Fact:
    """The event as ingest decodes and records it."""
    value = json.dumps(event).encode()
    return Fact.from_event(
        decode(value, [("content-type", STRUCTURED_CONTENT_TYPE.encode())]), recorded_at=T0
    )


def previous(*events: dict[str, Any]) -> Ack | None:
    """The counting acknowledgment once these events are recorded."""
    state = fold("PO-1", [approved(["S1"], po="PO-1"), *map(recorded, events)])
    track = state.track(1, "S1")
    return track.ack if track else None


def test_every_view_of_a_link_is_one_po_received_on_the_delivery_topic() -> None:
    topic, first = viewed(CLAIM, T0 + timedelta(minutes=5))
    _, later = viewed(CLAIM, T0 + timedelta(days=3))

    assert topic is Topic.DELIVERY
    assert first["id"] == later["id"] == "portal-viewed:PO-1:1:S1"
    assert first["source"] == SOURCE == "urn:potrack:portal"
    assert first["data"] == {"revision": 1, "recipient": "S1", "evidence": "portal-viewed"}
    fact = recorded(first)
    assert (fact.type, fact.subject, fact.time) == (
        "po.received",
        "PO-1",
        T0 + timedelta(minutes=5),
    )


def test_a_very_long_recipient_still_makes_a_valid_id() -> None:
    claim = PortalClaim("PO-1", 1, "r" * 250, T0, T0)
    _, event = viewed(claim, T0)

    assert len(event["id"]) <= 256 and event["id"].startswith("portal-viewed:")
    recorded(event)


def test_an_answer_is_a_po_acknowledged_ingest_accepts() -> None:
    topic, event = answered(CLAIM, CHANGE, None, T0 + timedelta(hours=1))

    assert topic is Topic.ACKNOWLEDGMENT
    assert event["type"] == "po.acknowledged" and event["subject"] == "PO-1"
    assert event["data"] == {
        "revision": 1,
        "recipient": "S1",
        "decision": "accepted_with_changes",
        "lines": [{"line": 1, "decision": "changed", "quantity": "90"}],
    }
    assert recorded(event).time == T0 + timedelta(hours=1)


def test_a_double_click_is_one_event_a_different_answer_another() -> None:
    _, first = answered(CLAIM, CHANGE, None, T0)
    _, again = answered(CLAIM, CHANGE, None, T0 + timedelta(seconds=1))
    _, other = answered(CLAIM, ACCEPT, None, T0 + timedelta(seconds=2))

    assert first["id"] == again["id"]
    assert other["id"] != first["id"]
    # Written otherwise, the same answer: 90.00 is 90.
    same = Answer(
        CHANGE.decision,
        None,
        None,
        (CHANGE.lines[0].model_copy(update={"quantity": Decimal("90.00")}),),
    )
    assert answered(CLAIM, same, None, T0)[1]["id"] == first["id"]


def test_a_click_after_ingest_recorded_the_answer_is_that_event_again() -> None:
    _, first = answered(CLAIM, CHANGE, None, T0)

    _, again = answered(CLAIM, CHANGE, previous(first), T0 + timedelta(seconds=3))
    assert again["id"] == first["id"]


def test_going_back_to_an_earlier_answer_is_a_new_event_that_counts() -> None:
    _, a = answered(CLAIM, CHANGE, None, T0)
    _, b = answered(CLAIM, ACCEPT, previous(a), T0 + timedelta(minutes=1))
    _, a_again = answered(CLAIM, CHANGE, previous(a, b), T0 + timedelta(minutes=2))

    assert len({a["id"], b["id"], a_again["id"]}) == 3
    counting = previous(a, b, a_again)
    assert counting is not None and counting.decision is Decision.ACCEPTED_WITH_CHANGES


def test_a_b_a_sent_faster_than_ingest_records_them_is_three_events() -> None:
    # Ingest has recorded only A when B and then A again are sent; the browser's note of
    # its last answer (the signed cookie) tells them apart.
    _, a = answered(CLAIM, CHANGE, None, T0)
    after_a = (a["id"], digest(CHANGE))
    _, b = answered(CLAIM, ACCEPT, previous(a), T0 + timedelta(seconds=1), last_sent=after_a)
    after_b = (b["id"], digest(ACCEPT))
    _, a_again = answered(CLAIM, CHANGE, previous(a), T0 + timedelta(seconds=2), after_b)
    # Double clicks, whether or not the first one's note came back before the second.
    _, double = answered(CLAIM, CHANGE, previous(a), T0 + timedelta(seconds=2), after_b)
    after_a_again = (a_again["id"], digest(CHANGE))
    _, late = answered(CLAIM, CHANGE, previous(a), T0 + timedelta(seconds=3), after_a_again)

    assert len({a["id"], b["id"], a_again["id"]}) == 3
    assert double["id"] == late["id"] == a_again["id"]
    counting = previous(a, b, a_again)
    assert counting is not None and counting.decision is Decision.ACCEPTED_WITH_CHANGES


def test_the_same_answer_as_another_systems_is_still_the_portals_own_event() -> None:
    _, edi = answered(CLAIM, ACCEPT, None, T0)
    edi = edi | {"source": "urn:potrack:gateway:x12", "id": "855-1"}

    _, mine = answered(CLAIM, ACCEPT, previous(edi), T0 + timedelta(minutes=1))
    assert mine["source"] == SOURCE and mine["id"].startswith("portal-answer:")
