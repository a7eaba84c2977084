"""The simulated portal suppliers (issue 13 item 5): what they do is the portal's to
record (source urn:potrack:portal), live as visits, and each answer they script is one
the portal's form takes, unchanged. Pure: the form, the page's csrf field, the link."""

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.events import AcknowledgedData, RevisedData
from services.portal.form import read_answer
from services.simulate.portal import GaveUp, NotYet, csrf_of, form_fields, pick_link
from services.simulate.profiles import PORTAL_SOURCE
from services.simulate.traffic import SimEvent, generate
from tests.services.simulate.support import START

PLANS = ("po.approved", "po.revised")


@pytest.fixture(scope="module")
def live() -> list[SimEvent]:
    return list(generate(13, 6000, datetime.now(UTC), time_mode="live", portal=True))


def cloudevents(stream: list[SimEvent]) -> list[dict[str, Any]]:
    return [e.value for e in stream if e.bad is None and isinstance(e.value, dict)]


def test_the_back_filled_portal_answers_are_the_portals_own_events() -> None:
    events = cloudevents(list(generate(13, 3000, START, documents=True)))
    portal = [e for e in events if e["source"] == PORTAL_SOURCE]
    kinds = Counter((e["type"], e["data"].get("evidence")) for e in portal)
    assert set(kinds) == {("po.received", "portal-viewed"), ("po.acknowledged", None)}
    assert all(e["data"]["recipient"].startswith("SUP-") for e in portal)  # suppliers only
    assert not any(e["source"] == "urn:supplier-portal" for e in events)


def test_live_the_portal_suppliers_visit_instead_of_publishing(live: list[SimEvent]) -> None:
    visits = [e for e in live if e.visit]
    kinds = Counter(e.value["type"] for e in visits if isinstance(e.value, dict))
    assert kinds["po.received"] > 10 and kinds["po.acknowledged"] > 10
    assert not any(e.duplicate or e.bad for e in visits)
    published = cloudevents([e for e in live if not e.visit])
    assert not any(e["source"] == PORTAL_SOURCE for e in published)


def test_every_scripted_portal_answer_is_taken_by_the_portals_form(live: list[SimEvent]) -> None:
    plans = {
        (e["subject"], e["data"]["revision"]): RevisedData.model_validate(e["data"])
        for e in cloudevents(live)
        if e["type"] in PLANS
    }
    answers = [e.value for e in live if e.visit and e.value["type"] == "po.acknowledged"]
    decisions = Counter()
    for answer in answers:
        scripted = AcknowledgedData.model_validate(answer["data"])
        plan = plans[answer["subject"], scripted.revision]
        read = read_answer(dict(form_fields(answer["data"])), plan)
        taken = AcknowledgedData.model_validate(read.data(scripted.revision, scripted.recipient))
        assert taken == scripted, answer
        decisions[scripted.decision.value] += 1
    assert set(decisions) == {"accepted", "accepted_with_changes", "rejected"}, decisions


def test_the_form_has_the_decision_and_each_answered_lines_fields() -> None:
    answer = {
        "revision": 2,
        "recipient": "SUP-1:orders",
        "decision": "accepted_with_changes",
        "supplier_reference": "SO-1",
        "lines": [
            {"line": 1, "decision": "changed", "quantity": 8, "unit_price": "9.50"},
            {"line": 3, "decision": "backordered", "promised_date": "2026-12-01"},
        ],
    }
    assert form_fields(answer) == [
        ("decision", "accepted_with_changes"),
        ("supplier_reference", "SO-1"),
        ("line-1-decision", "changed"),
        ("line-1-quantity", "8"),
        ("line-1-unit_price", "9.50"),
        ("line-3-decision", "backordered"),
        ("line-3-promised_date", "2026-12-01"),
    ]
    rejected = {"decision": "rejected", "reason": "item discontinued", "revision": 1}
    assert form_fields(rejected) == [("decision", "rejected"), ("reason", "item discontinued")]


def test_the_csrf_field_is_read_from_the_page_and_a_page_without_a_form_is_refused() -> None:
    page = b'<html><body><form method="post"><input type="hidden" name="csrf" value="a&amp;b">'
    assert csrf_of(page + b"</form></body></html>") == "a&b"
    with pytest.raises(GaveUp, match="takes no answer") as refused:
        csrf_of(b"<html><body><p>A newer revision exists.</p></body></html>")
    assert refused.value.level == logging.INFO  # the portal's rule, not a failure


def test_the_link_is_the_recipients_for_the_answered_revision() -> None:
    links = {
        "po_number": "PO-1",
        "revision": 2,
        "links": [
            {"recipient": "SUP-1:orders", "revision": 2, "url": "http://x/portal/a"},
            {"recipient": "SUP-1:sales", "revision": 2, "url": "http://x/portal/b"},
        ],
    }
    assert pick_link(links, "SUP-1:sales", 2) == "http://x/portal/b"
    with pytest.raises(NotYet):  # the change order is not projected yet
        pick_link(links, "SUP-1:sales", 3)
    with pytest.raises(NotYet):  # answers recorded before the approval: no revision yet
        pick_link({"po_number": "PO-1", "revision": None, "links": []}, "SUP-1:sales", 1)
    with pytest.raises(GaveUp) as stale:  # the portal takes no answer for an old revision
        pick_link(links, "SUP-1:sales", 1)
    assert stale.value.level == logging.INFO
    with pytest.raises(GaveUp, match="no portal link for recipient SUP-1:edi") as missing:
        pick_link(links, "SUP-1:edi", 2)
    assert missing.value.level == logging.WARNING
