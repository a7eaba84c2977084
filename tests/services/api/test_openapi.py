"""The committed OpenAPI document (schemas/openapi.json) is what the app publishes."""

import json
import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from services.api.openapi import DEFAULT_PATH, render_openapi, write_openapi
from tests.services.api.conftest import ClientFactory


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


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_documents_load_only_this_servers_assets(client: TestClient, path: str) -> None:
    """Swagger UI and ReDoc work without internet: every script, style and icon they load
    is served here (tests/browser/test_pages.py watches the browser's requests)."""
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assets += re.findall(r"url: '([^']+)'", page.text) + re.findall(
        r'spec-url="([^"]+)"', page.text
    )
    assert any(a.startswith("/docs-assets/") for a in assets), assets
    for asset in assets:
        assert asset.startswith(("/docs-assets/", "/favicon.ico", "/openapi.json")), asset
        assert client.get(asset).status_code == 200, asset
    assert not re.search(r"https?://(?!www\.w3\.org)", page.text), "an outside address"


def test_the_redoc_bundle_asks_no_cdn_for_its_logo(client: TestClient) -> None:
    bundle = client.get("/docs-assets/redoc.standalone.js")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "Redoc" in bundle.text and "cdn.redoc.ly" not in bundle.text
    unknown = client.get("/docs-assets/other.js")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "no document asset 'other.js'"


def test_the_documents_take_the_token_their_assets_do_not(make_client: ClientFactory) -> None:
    client = make_client(api_token="s3cret")
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, params={"token": "s3cret"}).status_code == 200, path
    assert "/openapi.json?token=s3cret" in client.get("/redoc?token=s3cret").text
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200
    assert client.get("/favicon.ico").status_code == 200


def test_the_favicon_is_the_pages_icon(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    inline = re.search(r'<link rel="icon" href="data:image/svg\+xml,([^"]+)"', client.get("/").text)
    assert inline is not None
    assert unquote(inline.group(1)).replace("'", '"') == icon.text.strip()
