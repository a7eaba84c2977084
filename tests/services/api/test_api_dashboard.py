"""The dashboard: pages, the summary JSON and its server-sent events stream."""

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.testclient import TestClient

from services.api import create_app
from tests.services.api.conftest import World
from tests.services.api.live import serve
from tests.services.api.scenario import book, many


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
