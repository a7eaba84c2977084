"""GET /pos/{po_number} (now and as_of) and GET /pos pages, filters and cursors."""

import pytest
from fastapi.testclient import TestClient

from tests.factories import delivered, sent
from tests.services.api.conftest import World
from tests.services.api.scenario import book, many, rfc3339

PROBLEM = "application/problem+json"


@pytest.fixture
def api(world: World, client: TestClient) -> TestClient:
    world.given(*book())
    return client


def test_a_po_is_its_status_view_with_every_contract_field(api: TestClient) -> None:
    response = api.get("/pos/PO-1001")
    assert response.status_code == 200
    view = response.json()
    assert view["po_number"] == "PO-1001"
    assert view["status"] == "acknowledged"
    assert view["revision"] == 1
    assert view["supplier_id"] == "SUP-1"
    assert view["currency"] == "EUR"
    assert view["total_amount"] == "1250.00"
    assert view["overdue"] is False
    assert view["stale_acknowledgments"] == []
    assert view["version"] == 6
    assert view["updated_at"] == rfc3339(120)
    supplier = next(r for r in view["recipients"] if r["id"] == "S1")
    assert {k: supplier[k] for k in ("kind", "channel", "status", "decision")} == {
        "kind": "supplier",
        "channel": "email",
        "status": "acknowledged",
        "decision": "accepted",
    }
    assert supplier["sent_at"] == rfc3339(5)
    assert supplier["acknowledged_at"] == rfc3339(120)
    assert set(supplier) >= {"received_at", "delivered_at", "failure"}


def test_a_po_past_its_deadline_is_overdue(api: TestClient) -> None:
    assert api.get("/pos/PO-1004").json()["overdue"] is True
    assert api.get("/pos/PO-1003").json()["overdue"] is False


def test_an_unknown_po_is_a_404_problem(api: TestClient) -> None:
    response = api.get("/pos/PO-NOPE")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["title"] == "Unknown purchase order"
    assert problem["status"] == 404
    assert "PO-NOPE" in problem["detail"]
    assert problem["type"].startswith("urn:potrack:problem:")


def test_as_of_between_events_gives_the_older_view(api: TestClient) -> None:
    then = api.get("/pos/PO-1001", params={"as_of": rfc3339(7)}).json()
    now = api.get("/pos/PO-1001").json()
    assert then["status"] == "distributing"
    assert then["version"] == 3 < now["version"]
    assert then["updated_at"] == rfc3339(5)


def test_as_of_accepts_any_offset(api: TestClient) -> None:
    # 10:07+01:00 is 09:07Z, between the sends and the deliveries.
    view = api.get("/pos/PO-1001", params={"as_of": "2025-03-03T10:07:00+01:00"}).json()
    assert view["version"] == 3


def test_as_of_before_approval_is_a_404(api: TestClient) -> None:
    response = api.get("/pos/PO-1001", params={"as_of": rfc3339(-1)})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "at or before" in response.json()["detail"]


def test_as_of_of_an_unknown_po_is_a_404(api: TestClient) -> None:
    assert api.get("/pos/PO-NOPE", params={"as_of": rfc3339(9)}).status_code == 404


def test_as_of_sees_overdue_as_it_was(api: TestClient) -> None:
    assert api.get("/pos/PO-1004", params={"as_of": rfc3339(60)}).json()["overdue"] is False


@pytest.mark.parametrize(
    "bad", ["2025-03-03T09:00:00", "yesterday", "2025-03-03", "1700000000", "2025-13-03T09:00:00Z"]
)
def test_as_of_needs_an_rfc3339_time_with_offset(api: TestClient, bad: str) -> None:
    response = api.get("/pos/PO-1001", params={"as_of": bad})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert "as_of" in response.json()["detail"]


def test_a_recorded_but_unprojected_po_is_served_from_the_store(
    world: World, api: TestClient
) -> None:
    world.record(sent("S1", po="PO-LATE", time=1))
    assert api.get("/pos/PO-LATE").json()["status"] == "unknown"


def test_pages_follow_the_cursor_in_po_number_order(world: World, api: TestClient) -> None:
    world.given(*many(7))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, "supplier": "SUP-9"} | ({"cursor": cursor} if cursor else {})
        page = api.get("/pos", params=params).json()
        seen += [v["po_number"] for v in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"PO-{9000 + i}" for i in range(7)]
    assert pages == 3


def test_a_full_last_page_has_no_next_cursor(world: World, api: TestClient) -> None:
    world.given(*many(4))
    page = api.get("/pos", params={"limit": 4, "supplier": "SUP-9"}).json()
    assert len(page["items"]) == 4
    assert page["next_cursor"] is None


def test_pages_default_to_fifty(world: World, api: TestClient) -> None:
    world.given(*many(55))
    page = api.get("/pos").json()
    assert len(page["items"]) == 50
    assert page["next_cursor"] is not None


def test_filters_by_status_supplier_and_overdue(api: TestClient) -> None:
    def numbers(**params: object) -> list[str]:
        return [v["po_number"] for v in api.get("/pos", params=params).json()["items"]]

    assert numbers(status="rejected") == ["PO-1003"]
    assert numbers(supplier="SUP-2") == ["PO-1003", "PO-1004"]
    assert "PO-1004" in numbers(overdue="true")
    assert "PO-1001" not in numbers(overdue="true")
    assert "PO-1004" not in numbers(overdue="false")
    assert numbers(status="delivery_failed", supplier="SUP-1") == ["PO-1002"]


def test_every_view_in_a_page_has_its_overdue_flag(api: TestClient) -> None:
    items = api.get("/pos").json()["items"]
    assert {v["po_number"]: v["overdue"] for v in items}["PO-1004"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"limit": 0},
        {"limit": 501},
        {"limit": "many"},
        {"overdue": "maybe"},
        {"cursor": "%%%"},
        {"cursor": "_w"},
    ],
)
def test_bad_query_values_are_422_problems(api: TestClient, params: dict[str, object]) -> None:
    response = api.get("/pos", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["title"] in ("Invalid request", "Invalid cursor")
    assert problem["detail"]


def test_a_page_after_late_deliveries_shows_the_new_status(world: World, api: TestClient) -> None:
    world.given(sent("S1", po="PO-1005", time=5761), delivered("S1", po="PO-1005", time=5762))
    assert api.get("/pos", params={"supplier": "SUP-3"}).json()["items"][0]["status"] == (
        "awaiting_acknowledgment"
    )
