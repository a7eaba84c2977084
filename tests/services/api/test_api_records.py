"""Audit trails, alerts, supplier performance and commitments over the API."""

import csv
import io
import itertools
import json

import pytest
from fastapi.testclient import TestClient

from projections.audit import GENESIS, verify
from tests.services.api.conftest import World
from tests.services.api.scenario import book

PROBLEM = "application/problem+json"


@pytest.fixture
def api(world: World, client: TestClient) -> TestClient:
    world.given(*book())
    return client


def test_the_audit_trail_lists_every_event_with_its_hash_link(api: TestClient) -> None:
    entries = api.get("/pos/PO-1001/audit").json()
    assert [e["type"] for e in entries] == [
        "po.approved",
        "po.sent",
        "po.sent",
        "po.delivered",
        "po.delivered",
        "po.acknowledged",
    ]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(entries))
    assert verify(entries) is None  # served exactly as hashed: anyone can re-check it


def test_the_audit_trail_as_csv(api: TestClient) -> None:
    response = api.get("/pos/PO-1001/audit", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "PO-1001-audit.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6
    assert rows[0]["type"] == "po.approved"
    assert rows[0]["prev_hash"] == GENESIS
    assert rows[5]["decision"] == "accepted"


def test_the_audit_trail_as_json_lines(api: TestClient) -> None:
    response = api.get("/pos/PO-1001/audit", params={"format": "jsonl"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3, 4, 5, 6]
    assert lines == api.get("/pos/PO-1001/audit").json()


def test_audit_of_an_unknown_po_or_format(api: TestClient) -> None:
    assert api.get("/pos/PO-NOPE/audit").status_code == 404
    response = api.get("/pos/PO-1001/audit", params={"format": "xml"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_alerts_open_and_resolved(api: TestClient) -> None:
    open_ = api.get("/alerts", params={"state": "open"}).json()["items"]
    resolved = api.get("/alerts", params={"state": "resolved"}).json()["items"]
    assert any(a["po_number"] == "PO-1004" and a["kind"] == "acknowledgment_overdue" for a in open_)
    assert all(a["resolved_at"] is None for a in open_)
    assert all(a["resolved_at"] is not None for a in resolved)
    everything = api.get("/alerts").json()["items"]
    assert len(everything) == len(open_) + len(resolved)


def test_alerts_by_kind_and_supplier(api: TestClient) -> None:
    rejected = api.get("/alerts", params={"kind": "acknowledgment_rejected"}).json()["items"]
    assert [a["po_number"] for a in rejected] == ["PO-1003"]
    by_supplier = api.get("/alerts", params={"supplier": "SUP-2"}).json()["items"]
    assert {a["po_number"] for a in by_supplier} <= {"PO-1003", "PO-1004"}
    assert api.get("/alerts", params={"supplier": "SUP-NONE"}).json()["items"] == []


def test_alerts_page_with_a_cursor(api: TestClient) -> None:
    everything = api.get("/alerts").json()["items"]
    first = api.get("/alerts", params={"limit": 1}).json()
    assert first["next_cursor"] is not None
    second = api.get("/alerts", params={"limit": 50, "cursor": first["next_cursor"]}).json()
    assert first["items"] + second["items"] == everything


@pytest.mark.parametrize(
    "params", [{"state": "closed"}, {"kind": "late"}, {"limit": 0}, {"cursor": "nonsense"}]
)
def test_bad_alert_queries_are_422(api: TestClient, params: dict[str, object]) -> None:
    response = api.get("/alerts", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


WINDOW_END = "2025-03-10T00:00:00Z"


def test_supplier_performance_over_a_window(api: TestClient) -> None:
    response = api.get("/suppliers/SUP-2/performance", params={"window_end": WINDOW_END})
    assert response.status_code == 200
    figures = response.json()
    assert figures["supplier_id"] == "SUP-2"
    assert figures["window"]["days"] == 90
    for name in (
        "acknowledgment_rate",
        "on_time_acknowledgment_rate",
        "median_hours_to_acknowledge",
        "p90_hours_to_acknowledge",
        "delivery_failure_rate",
    ):
        assert name in figures
    assert figures["acknowledgments_due"] == 2
    assert figures["acknowledged"] == 1


def test_supplier_performance_window_days(api: TestClient) -> None:
    params = {"window_end": WINDOW_END, "days": 1}
    figures = api.get("/suppliers/SUP-2/performance", params=params).json()
    assert figures["window"]["days"] == 1
    assert figures["acknowledgments_due"] == 0


def test_performance_of_an_unknown_supplier_is_404(api: TestClient) -> None:
    response = api.get("/suppliers/SUP-NONE/performance")
    assert response.status_code == 404
    assert response.json()["title"] == "Unknown supplier"


@pytest.mark.parametrize(
    "params",
    [{"days": 0}, {"days": "x"}, {"window_end": "soon"}, {"window_end": "0001-01-02T00:00:00Z"}],
)
def test_bad_performance_queries_are_422(api: TestClient, params: dict[str, object]) -> None:
    assert api.get("/suppliers/SUP-2/performance", params=params).status_code == 422


def test_the_supplier_overview(api: TestClient) -> None:
    overview = api.get("/suppliers", params={"window_end": WINDOW_END}).json()
    assert [s["supplier_id"] for s in overview] == ["SUP-1", "SUP-2", "SUP-3"]


def test_a_commitment_per_po(api: TestClient) -> None:
    commitment = api.get("/pos/PO-1001/commitment").json()
    assert commitment["po_number"] == "PO-1001"
    assert commitment["state"] == "confirmed"
    assert commitment["amount"] == "1250.00"
    assert api.get("/pos/PO-NOPE/commitment").status_code == 404


def test_commitments_by_state(api: TestClient) -> None:
    confirmed = api.get("/commitments", params={"state": "confirmed"}).json()
    assert [c["po_number"] for c in confirmed] == ["PO-1001"]
    assert api.get("/commitments", params={"state": "lost"}).status_code == 422
