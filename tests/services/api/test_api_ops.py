"""Health, readiness, metrics, bearer-token auth and problem answers for every error."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api import create_app
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.services.api.conftest import ClientFactory, World, settings_for
from tests.services.api.scenario import book

PROBLEM = "application/problem+json"
TOKEN = "s3cret-token"
GUARDED = [
    "/pos/PO-1001",
    "/pos",
    "/pos/PO-1001/audit",
    "/pos/PO-1001/commitment",
    "/alerts",
    "/suppliers/SUP-1/performance",
    "/suppliers",
    "/commitments",
    "/metrics",
    "/dashboard/summary",
    "/events/stream",
    "/",
    "/ui/po/PO-1001",
    "/openapi.json",
    "/docs",
]


def test_health_always_answers(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_not_ready_without_kafka(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["checks"] == {"kafka": "failed", "store": "ok"}
    assert "kafka" in problem["detail"]


def test_not_ready_without_the_store(world: World, client: TestClient) -> None:
    world.db.close()
    world.store.close()
    problem = client.get("/ready").json()
    assert problem["checks"]["store"] == "failed"


def test_metrics_report_projection_lag_alerts_and_latency(world: World, client: TestClient) -> None:
    world.given(*book())
    client.get("/pos/PO-1001")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'potrack_projection_lag_events{projection="status"} 0.0' in text
    assert 'potrack_open_alerts{kind="acknowledgment_overdue"}' in text
    assert 'route="/pos/{po_number}"' in text
    assert "potrack_http_request_seconds_bucket" in text


def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Not found"
    response = client.post("/pos")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


def test_without_a_token_setting_nothing_asks_for_one(world: World, client: TestClient) -> None:
    world.given(*book())
    for path in GUARDED:
        if path != "/events/stream":
            assert client.get(path).status_code == 200, path


@pytest.fixture
def guarded(world: World, make_client: ClientFactory) -> TestClient:
    world.given(*book())
    return make_client(api_token=TOKEN)


@pytest.mark.parametrize("path", GUARDED)
def test_with_a_token_every_endpoint_needs_it(guarded: TestClient, path: str) -> None:
    response = guarded.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["title"] == "Authentication required"


@pytest.mark.parametrize("path", [p for p in GUARDED if p != "/events/stream"])
def test_the_right_bearer_token_opens_every_endpoint(guarded: TestClient, path: str) -> None:
    response = guarded.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", "Bearer wrong", f"Basic {TOKEN}"])
def test_a_wrong_token_is_rejected(guarded: TestClient, header: str) -> None:
    response = guarded.get("/pos/PO-1001", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["title"] in ("Invalid token", "Authentication required")


def test_health_and_ready_stay_open(guarded: TestClient) -> None:
    assert guarded.get("/health").status_code == 200
    assert guarded.get("/ready").status_code == 503  # Kafka is down, but no 401


def test_pages_take_the_token_as_a_query_parameter(guarded: TestClient) -> None:
    assert guarded.get("/", params={"token": TOKEN}).status_code == 200
    assert guarded.get("/ui/po/PO-1001", params={"token": TOKEN}).status_code == 200
    assert guarded.get("/", params={"token": "wrong"}).status_code == 401
    # Data endpoints do not: a token in a URL ends up in logs and browser history.
    assert guarded.get("/pos/PO-1001", params={"token": TOKEN}).status_code == 401


def test_static_assets_need_no_token(guarded: TestClient) -> None:
    for asset in ("style.css", "common.js", "dashboard.js", "po.js"):
        assert guarded.get(f"/static/{asset}").status_code == 200, asset


def test_an_api_started_before_any_projection_answers_empty(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.sqlite"
    store, db = EventStore(url), ViewDB(url)
    try:
        client = TestClient(create_app(settings_for(url), store, db))
        assert client.get("/pos/PO-1").status_code == 404
        assert client.get("/pos/PO-1/audit").status_code == 404
        assert client.get("/pos").json() == {"items": [], "next_cursor": None}
        assert client.get("/alerts").json() == {"items": [], "next_cursor": None}
        assert client.get("/suppliers").json() == []
        assert client.get("/commitments").json() == []
        assert client.get("/dashboard/summary").json()["total"] == 0
        assert client.get("/metrics").status_code == 200
    finally:
        db.close()
        store.close()


def test_an_empty_api_token_is_no_token() -> None:
    # POTRACK_API_TOKEN= (blank) could never be sent: it must not lock every endpoint.
    assert Settings(api_token="").api_token is None
    assert Settings(api_token="  ").api_token is None
    token = Settings(api_token="s3cret").api_token
    assert token is not None and token.get_secret_value() == "s3cret"
