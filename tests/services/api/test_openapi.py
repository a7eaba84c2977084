"""The committed OpenAPI document (schemas/openapi.json) is what the app publishes."""

import json

from fastapi.testclient import TestClient

from services.api.openapi import DEFAULT_PATH, render_openapi, write_openapi


def test_the_committed_openapi_document_is_current() -> None:
    committed = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else ""
    assert committed == render_openapi(), (
        f"{DEFAULT_PATH} is stale: regenerate it with `make schemas` "
        "(or `python -m services.api.openapi`) and commit the result"
    )


def test_the_app_publishes_the_same_document(client: TestClient) -> None:
    assert client.get("/openapi.json").json() == json.loads(render_openapi())


def test_the_document_describes_the_contract(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/health",
        "/ready",
        "/pos",
        "/pos/{po_number}",
        "/pos/{po_number}/audit",
        "/alerts",
        "/suppliers/{supplier_id}/performance",
        "/metrics",
    ):
        assert "get" in paths[path], path
    not_found = paths["/pos/{po_number}"]["get"]["responses"]["404"]
    assert "application/problem+json" in not_found["content"]
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPBearer" in document["components"]["securitySchemes"]


def test_writing_is_deterministic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = write_openapi(tmp_path / "a.json").read_text()
    second = write_openapi(tmp_path / "b.json").read_text()
    assert first == second
    assert first.endswith("}\n")
