"""The dashboard: pages, the summary JSON and its server-sent events stream."""

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import httpx
from fastapi.testclient import TestClient

from services.api import create_app
from services.api.params import encode_cursor, encode_key
from services.api.routes.dashboard import Reason
from services.api.summary import REASONS
from tests.factories import acked, approved
from tests.services.api.conftest import ClientFactory, World
from tests.services.api.live import serve
from tests.services.api.scenario import book, lines_book, many, shifted, suppliers_book


def test_the_dashboard_and_po_pages_are_html(client: TestClient) -> None:
    page = client.get("/")
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="count-total"' in page.text
    detail = client.get("/ui/po/PO-1001")
    assert 'id="timeline"' in detail.text


def test_the_summary_counts_and_lists_what_needs_action(world: World, client: TestClient) -> None:
    world.given(*book())
    summary = client.get("/dashboard/summary").json()
    assert summary["total"] == 5
    assert summary["counts"]["acknowledged"] == 1
    assert summary["counts"]["rejected"] == 1
    assert summary["counts"]["delivery_failed"] == 1
    assert summary["open_alerts"] >= 1
    assert summary["recent_alerts"]
    action = summary["needs_action"]
    assert action[0]["overdue"] is True  # overdue POs come first
    assert {"PO-1002", "PO-1003", "PO-1004"} <= {a["po_number"] for a in action}
    assert "PO-1001" not in {a["po_number"] for a in action}
    assert summary["needs_action_total"] == len(action) == 3
    assert next(a for a in action if a["po_number"] == "PO-1002")["reasons"] == [
        "overdue",
        "delivery_failed",
    ]
    assert {p["name"] for p in summary["projections"]} >= {"status", "alerts"}


def test_an_empty_store_has_an_empty_summary(client: TestClient) -> None:
    summary = client.get("/dashboard/summary").json()
    assert summary["total"] == 0
    assert summary["needs_action"] == []


def _summaries(response: httpx.Response) -> Iterator[dict[str, Any]]:
    event = None
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "summary":
            yield json.loads(line.split(":", 1)[1])


def test_the_stream_pushes_a_new_summary_when_something_changes(world: World) -> None:
    world.given(*book())
    app = create_app(world.settings, world.store, world.db, stream_interval=0.1)
    with serve(app) as base, httpx.stream("GET", f"{base}/events/stream", timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        summaries = _summaries(response)
        assert next(summaries)["total"] == 5
        world.given(*many(2))
        started = time.monotonic()
        assert next(summaries)["total"] == 7
        assert time.monotonic() - started < 5


# --- needs action: counts per reason, a filter and pages (GET /dashboard/needs-action) ----


def _all_pages(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(
            "/dashboard/needs-action", params=params | ({"cursor": cursor} if cursor else {})
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def _listed(client: TestClient, **params: Any) -> set[str]:
    """The POs GET /pos lists with these filters (every page)."""
    found: set[str] = set()
    cursor = None
    while True:
        page = client.get("/pos", params=params | {"limit": 500, "cursor": cursor or ""}).json()
        found |= {v["po_number"] for v in page["items"]}
        if (cursor := page["next_cursor"]) is None:
            return found


def test_needs_action_agrees_with_the_po_listing_reason_by_reason(
    world: World, client: TestClient
) -> None:
    """Each reason lists exactly what GET /pos?overdue=true or ?status=... lists, the counts
    are those lists' sizes, and the pages (of 3) cover every PO once in a stable order:
    overdue first, then the latest update."""
    world.given(*book(), *suppliers_book(4), *lines_book())
    expected = {
        "overdue": _listed(client, overdue="true"),
        "delivery_failed": _listed(client, status="delivery_failed"),
        "rejected": _listed(client, status="rejected"),
        "changes_proposed": _listed(client, status="changes_proposed"),
    }
    assert expected["overdue"] and expected["rejected"] and expected["changes_proposed"]
    first = client.get("/dashboard/needs-action", params={"limit": 3}).json()
    assert first["counts"] == {reason: len(pos) for reason, pos in expected.items()}
    union = set().union(*expected.values())
    assert first["total"] == len(union)
    for reason, pos in expected.items():
        items = _all_pages(client, reason=reason, limit=3)
        assert [i["po_number"] for i in items if reason in i["reasons"]] == [
            i["po_number"] for i in items
        ]
        assert sorted(i["po_number"] for i in items) == sorted(pos), reason
    everything = _all_pages(client, limit=3)
    assert sorted(i["po_number"] for i in everything) == sorted(union)
    overdue = [i["overdue"] for i in everything]
    assert overdue == sorted(overdue, reverse=True)  # overdue first
    rest = [i["updated_at"] for i in everything if not i["overdue"]]
    assert rest == sorted(rest, reverse=True)  # then the latest
    assert everything == _all_pages(client, limit=500)  # pages do not change the order
    summary = client.get("/dashboard/summary").json()
    assert summary["needs_action"] == everything[:20]
    assert summary["needs_action_counts"] == first["counts"]
    assert summary["needs_action_total"] == first["total"]
    assert (summary["needs_action_next_cursor"] is None) == (len(everything) <= 20)


def test_the_summary_pages_on_after_its_first_twenty(world: World, client: TestClient) -> None:
    world.given(
        *[acked("S1", po=f"PO-{9000 + i:04d}", time=30, decision="rejected") for i in range(23)],
        *many(23),
    )
    summary = client.get("/dashboard/summary").json()
    assert len(summary["needs_action"]) == 20 and summary["needs_action_total"] == 23
    rest = client.get(
        "/dashboard/needs-action", params={"cursor": summary["needs_action_next_cursor"]}
    ).json()
    assert len(rest["items"]) == 3 and rest["next_cursor"] is None
    shown = {i["po_number"] for i in summary["needs_action"] + rest["items"]}
    assert shown == {f"PO-{9000 + i:04d}" for i in range(23)}


def test_needs_action_refuses_a_bad_reason_or_cursor(make_client: ClientFactory) -> None:
    client = make_client()
    bad = client.get("/dashboard/needs-action", params={"reason": "late"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "reason" in bad.json()["detail"]
    for cursor in ("not-a-cursor!", encode_cursor("PO-1"), encode_key(["x", "y", "z"])):
        bad = client.get("/dashboard/needs-action", params={"cursor": cursor})
        assert bad.status_code == 422, cursor
        assert bad.json()["type"] == "urn:potrack:problem:invalid-cursor"
    guarded = make_client(api_token="s3cret")
    assert guarded.get("/dashboard/needs-action").status_code == 401
    ok = guarded.get("/dashboard/needs-action", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json()["items"] == []


def test_the_reasons_documented_are_those_computed() -> None:
    assert get_args(Reason) == REASONS


# --- suppliers by name -------------------------------------------------------------------


def test_suppliers_carry_the_name_of_their_latest_po(world: World, client: TestClient) -> None:
    """The name comes from po.approved (`supplier.name`); a supplier no PO names has null."""
    now = datetime.now(UTC)
    facts = [
        *suppliers_book(3),
        approved(["S1"], po="PO-S03-Z", time=0, supplier={"id": "SUP-1003", "name": "Renamed"}),
        approved(["S1"], po="PO-N1", time=0, supplier={"id": "SUP-NONAME"}),
    ]
    world.given(*shifted(facts, now - timedelta(days=6), now))
    names = {s["supplier_id"]: s["supplier_name"] for s in client.get("/suppliers").json()}
    assert names["SUP-1001"] == "Borealis Fasteners 1"
    assert names["SUP-1003"] == "Renamed"  # PO-S03-Z is its highest-numbered PO
    assert names["SUP-NONAME"] is None
    one = client.get("/suppliers/SUP-1002/performance").json()
    assert one["supplier_name"] == "Contoso Industrial Components Europe GmbH 2"
    summary = client.get("/dashboard/summary").json()
    assert {s["supplier_id"]: s["supplier_name"] for s in summary["suppliers"]} == names
    action = client.get("/dashboard/needs-action", params={"reason": "rejected"}).json()
    assert {i["supplier_name"] for i in action["items"]} >= {"Borealis Fasteners 1"}
