"""The finance parts of the dashboard and PO pages without a browser: the markup the
scripts fill in, labelled controls, and no asset from the network (the machines that run
potrack may have no internet; tests/browser/test_finance.py drives the pages)."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

STATIC = Path(__file__).resolve().parents[3] / "services" / "api" / "static"
SVG_NS = "http://www.w3.org/2000/svg"


@pytest.mark.parametrize("path", ["/", "/ui/po/PO-3301"])
def test_the_pages_load_only_their_own_assets(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assets = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', html)
    assert assets, "no script or stylesheet found"
    for asset in assets:
        if asset.startswith("data:"):  # the inline favicon
            continue
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize("path", ["/", "/ui/po/PO-3301"])
def test_the_pages_bring_their_own_favicon(client: TestClient, path: str) -> None:
    """An inline SVG icon, so the page needs no request for it (/favicon.ico serves the same
    icon to the API documents and to browsers that ask; test_openapi.py)."""
    html = client.get(path).text
    icons = re.findall(r'<link rel="icon" href="([^"]+)">', html)
    assert len(icons) == 1, icons
    assert icons[0].startswith("data:image/svg+xml,%3Csvg"), icons[0]
    assert not re.search(r"[\s<>]", icons[0]), "the data URL is not percent-encoded"
    assert not re.search(r"https?://", icons[0].replace(SVG_NS, "")), icons[0]


def test_the_scripts_and_styles_fetch_nothing_from_elsewhere() -> None:
    for file in sorted(STATIC.glob("*.js")) + sorted(STATIC.glob("*.css")):
        text = file.read_text(encoding="utf-8").replace(SVG_NS, "")
        assert not re.search(r"https?://|@import|//cdn", text), file.name


def test_the_cash_forecast_panel_has_labelled_controls(client: TestClient) -> None:
    html = client.get("/").text
    assert '<label class="small muted" for="forecast-currency">Currency</label>' in html
    assert '<select id="forecast-currency"' in html
    toggles = re.findall(r'<button type="button"[^>]*data-bucket="(\w+)"[^>]*aria-pressed', html)
    assert toggles == ["week", "month"]
    assert 'role="group" aria-label="Bucket size"' in html
    for part in ("forecast-chart", "forecast-rows", "forecast-other", "forecast-message"):
        assert f'id="{part}"' in html, part


def test_the_po_page_has_the_lines_and_commitment_sections(client: TestClient) -> None:
    html = client.get("/ui/po/PO-3301").text
    for part in ("lines", "lines-note", "commitment", "commitment-state"):
        assert f'id="{part}"' in html, part
