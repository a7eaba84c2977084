"""The read API on PostgreSQL: the same answers as on SQLite (portable SQL, table checks)."""

import pytest
from fastapi.testclient import TestClient

from services.api import create_app
from tests.services.api.conftest import open_world
from tests.services.api.scenario import book

pytestmark = pytest.mark.integration


def test_the_api_answers_the_same_on_postgresql(postgres_url: str) -> None:
    with open_world(postgres_url) as world:
        with TestClient(create_app(world.settings, world.store, world.db)) as empty:
            assert empty.get("/pos/PO-1001").status_code == 404  # nothing recorded yet
            assert empty.get("/dashboard/summary").json()["total"] == 0
        world.given(*book())
        with TestClient(create_app(world.settings, world.store, world.db)) as client:
            assert client.get("/pos/PO-1004").json()["overdue"] is True
            page = client.get("/pos", params={"limit": 2}).json()
            following = client.get("/pos", params={"cursor": page["next_cursor"]}).json()
            numbers = [v["po_number"] for v in page["items"] + following["items"]]
            assert numbers == ["PO-1001", "PO-1002", "PO-1003", "PO-1004", "PO-1005"]
            assert client.get("/pos", params={"overdue": "true"}).json()["items"]
            assert len(client.get("/pos/PO-1001/audit").json()) == 6
            assert client.get("/alerts", params={"state": "open"}).json()["items"]
            window = {"window_end": "2025-03-10T00:00:00Z"}
            assert client.get("/suppliers/SUP-2/performance", params=window).status_code == 200
            assert client.get("/pos/PO-1001/commitment").json()["state"] == "confirmed"
            summary = client.get("/dashboard/summary").json()
            assert summary["total"] == 5
            assert summary["needs_action"][0]["overdue"] is True
            assert summary["needs_action_counts"] == {
                "overdue": 2,
                "delivery_failed": 1,
                "rejected": 1,
                "changes_proposed": 0,
            }
            first = client.get("/dashboard/needs-action", params={"limit": 2}).json()
            rest = client.get("/dashboard/needs-action", params={"cursor": first["next_cursor"]})
            assert [i["po_number"] for i in first["items"] + rest.json()["items"]] == [
                i["po_number"] for i in summary["needs_action"]
            ]
            named = client.get("/suppliers", params=window).json()
            assert {s["supplier_name"] for s in named} == {"Acme Parts"}
            assert 'projection="status"' in client.get("/metrics").text
