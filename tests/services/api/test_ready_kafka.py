"""/ready against a real broker: 200 when Kafka and the store both answer."""

import pytest
from fastapi.testclient import TestClient

from tests.services.api.conftest import ClientFactory, World

pytestmark = pytest.mark.integration


def test_ready_when_kafka_and_the_store_answer(
    kafka_bootstrap: str, make_client: ClientFactory
) -> None:
    client: TestClient = make_client(kafka_bootstrap_servers=kafka_bootstrap)
    response = client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": {"kafka": "ok", "store": "ok"}}


def test_ready_stays_open_with_a_token(kafka_bootstrap: str, make_client: ClientFactory) -> None:
    client = make_client(kafka_bootstrap_servers=kafka_bootstrap, api_token="s3cret")
    assert client.get("/ready").status_code == 200


def test_not_ready_when_only_the_store_is_down(
    kafka_bootstrap: str, world: World, make_client: ClientFactory
) -> None:
    client = make_client(kafka_bootstrap_servers=kafka_bootstrap)
    world.db.close()
    world.store.close()
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"kafka": "ok", "store": "failed"}
    assert response.json()["detail"] == "store does not answer"
