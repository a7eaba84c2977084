"""The page model: the order as the link's revision has it, the recipient's status, the
answer on record and the one just sent, and whether it takes an answer."""

from datetime import timedelta

from projections.fold import PoState, fold
from projections.status import render
from schemas.events import RevisedData
from schemas.views import dump
from services.portal.links import PortalClaim
from services.portal.page import page_of
from services.portal.render import page_html
from tests.factories import T0, acked, approved, delivered, revised, sent

LINES = [
    {
        "line": 1,
        "sku": "BOLT-8",
        "description": "Bolt M8",
        "quantity": "100",
        "unit_price": "12.5",
        "need_by": "2026-12-01",
    },
    {"line": 2, "sku": "NUT-8", "quantity": "1500", "unit_price": "0.125"},
]
BUYER = {"id": "B-7", "email": "anna+po@buyer.example"}


def plan_of(state: PoState) -> RevisedData:
    found = state.plan(1)
    assert found is not None
    return found


def claim(revision: int = 1) -> PortalClaim:
    return PortalClaim("PO-1", revision, "S1", T0, T0 + timedelta(days=30))


def test_the_page_shows_the_buyer_the_header_and_the_lines_of_its_revision() -> None:
    state = fold(
        "PO-1",
        [
            approved(["S1"], po="PO-1", lines=LINES, buyer=BUYER, total="1437.50"),
            sent("S1", po="PO-1", time=5),
            delivered("S1", po="PO-1", time=6),
        ],
    )
    page = page_of(claim(), state, plan_of(state), dump(render(state)))

    assert (page.po_number, page.revision, page.openness, page.status) == (
        "PO-1",
        1,
        "open",
        "delivered",
    )
    assert (page.supplier_name, page.supplier_id, page.currency, page.total) == (
        "Acme Parts",
        "SUP-1",
        "EUR",
        "1,437.50",
    )
    assert page.buyer_mailto == "mailto:anna%2Bpo@buyer.example"
    first, second = page.lines
    assert (first.quantity, first.unit_price, first.need_by, first.amount) == (
        "100",
        "12.50",
        "2026-12-01",
        "1,250.00",
    )
    assert (second.quantity, second.unit_price, second.need_by) == ("1,500", "0.125", None)
    assert first.values == {
        "decision": "accepted",
        "quantity": "100",
        "unit_price": "12.5",
        "promised_date": "",
    }
    html = page_html(page)
    assert '<form method="post"' in html and "<script" not in html


def test_a_link_to_an_older_revision_shows_it_and_takes_no_answer() -> None:
    state = fold(
        "PO-1",
        [
            approved(["S1"], po="PO-1", lines=LINES),
            acked("S1", po="PO-1", time=30, supplier_reference="SO-1"),
            revised(2, po="PO-1", time=60, lines=LINES[:1]),
        ],
    )
    page = page_of(claim(1), state, plan_of(state), dump(render(state)))

    assert (page.openness, page.current_revision, len(page.lines)) == ("superseded", 2, 2)
    assert page.status == "acknowledged"  # of revision 1, not of the current one
    assert page.recorded is not None and page.recorded.supplier_reference == "SO-1"
    html = page_html(page)
    assert "<form" not in html and 'data-testid="superseded"' in html
    assert "A newer revision (2) of this order exists" in html


def test_the_answer_just_sent_shows_until_ingest_has_it_then_it_is_on_record() -> None:
    state = fold("PO-1", [approved(["S1"], po="PO-1", lines=LINES)])
    note = {
        "id": "portal-answer:1",
        "at": "2026-11-02T09:00:00+00:00",
        "data": {"revision": 1, "recipient": "S1", "decision": "rejected", "reason": "no stock"},
    }
    page = page_of(claim(), state, plan_of(state), None, sent=note)

    assert page.sent is not None and (page.sent.decision, page.sent.reason) == (
        "Rejected",
        "no stock",
    )
    assert not page.sent_recorded and page.status == "pending"
    later = fold(
        "PO-1",
        [
            approved(["S1"], po="PO-1", lines=LINES),
            acked("S1", po="PO-1", id="portal-answer:1", decision="rejected", time=9),
        ],
    )
    page = page_of(claim(), later, plan_of(later), None, sent=note)
    assert page.sent_recorded and page.status == "rejected"


def test_refused_values_come_back_with_each_error_by_its_field() -> None:
    state = fold("PO-1", [approved(["S1"], po="PO-1", lines=LINES)])
    values = {"decision": "accepted_with_changes", "line-2-quantity": "-3", "reason": "late"}
    errors = {"line-2-quantity": "must be more than 0", "form": "line 9: not on this order"}
    page = page_of(claim(), state, plan_of(state), None, values=values, errors=errors)

    assert page.refused and page.errors == {"form": "line 9: not on this order"}
    assert (
        page.lines[1].values["quantity"] == "-3" and page.lines[1].values["decision"] == "accepted"
    )
    assert page.lines[1].errors == {"quantity": "must be more than 0"}
    html = page_html(page)
    assert 'data-error="line-2-quantity">must be more than 0</p>' in html
    assert 'aria-describedby="error-line-2-quantity"' in html
    assert '<input type="radio" name="decision" value="accepted_with_changes" checked>' in html
