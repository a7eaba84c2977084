"""The supplier portal in a real (Debian) Chromium against `potrack run` on the real broker:
a supplier opens the link (wide and phone-narrow), changes a line and submits; the page
says what was sent, and the buyer's PO page then shows `changes_proposed` with the change.
Screenshots in test-artifacts/ (portal-*.png)."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from schemas.topics import Topic
from services.kafka import ensure_topics
from services.settings import Settings
from tests.browser.test_pages import Watch
from tests.integration.kit import ce, potrack, potrack_env, produce, structured, wait_for
from tests.services.api.live import free_port

pytestmark = pytest.mark.browser
Launch = Callable[[], Browser]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PO = "PO-2026-000481"
SECRET = "browser-portal-secret-0123456789abcdef"


def approval() -> dict[str, Any]:
    lines = [
        {
            "line": 1,
            "sku": "HX-BOLT-M8x40",
            "description": "Hex bolt M8 x 40, zinc plated, DIN 933",
            "quantity": "2500",
            "unit_price": "0.085",
            "need_by": "2026-12-14",
        },
        {
            "line": 2,
            "sku": "WASH-M8",
            "description": "Washer M8, A2 stainless",
            "quantity": "5000",
            "unit_price": "0.021",
            "need_by": "2026-12-14",
        },
        {"line": 3, "sku": "NUT-M8", "quantity": "2500", "unit_price": "0.034"},
    ]
    data = {
        "revision": 1,
        "supplier": {"id": "SUP-1042", "name": "Kobe Fasteners Europe GmbH"},
        "buyer": {"id": "anna.schmidt", "email": "anna.schmidt@buyer.example"},
        "currency": "EUR",
        "total_amount": "402.50",
        "payment_terms_days": 45,
        "lines": lines,
        "recipients": [{"id": "kobe-portal", "kind": "supplier", "channel": "portal"}],
    }
    approved_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return ce("po.approved", PO, data, f"{PO}-approved", approved_at)


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"portal-{name}.png"), full_page=True)


def status_of(base: str) -> str | None:
    try:
        found = httpx.get(f"{base}/pos/{PO}", timeout=2)
    except httpx.HTTPError:
        return None
    return found.json()["status"] if found.status_code == 200 else None


def test_a_supplier_changes_a_line_and_the_po_page_shows_it(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, launch: Launch
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = potrack_env(
        kafka_bootstrap,
        f"sqlite:///{tmp_path}/potrack.sqlite",
        topic_prefix,
        POTRACK_API_PORT=str(port),
        POTRACK_PORTAL_SECRET=SECRET,
    )
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    approved = structured(f"{topic_prefix}{Topic.DISTRIBUTION}", approval())
    # In a thread of its own: Playwright's sync API runs an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, ensure_topics(settings)).result()
        pool.submit(asyncio.run, produce(kafka_bootstrap, [approved])).result()
    ARTIFACTS.mkdir(exist_ok=True)
    browser = launch()
    with potrack(["run"], env, tmp_path / "run.log"):
        wait_for(lambda: status_of(base) is not None, 90, 0.25, "the PO in the API")
        url = httpx.get(f"{base}/pos/{PO}/portal-links", timeout=10).json()["links"][0]["url"]

        watch = Watch()
        phone = watch.attach(browser.new_page(viewport={"width": 390, "height": 844}))
        phone.goto(url)
        expect(phone.locator("[data-testid=po-number]")).to_have_text(PO)
        wide = phone.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, f"the phone page is {wide} px wide"
        shot(phone, "phone")
        phone.close()

        page = watch.attach(browser.new_page(viewport={"width": 1100, "height": 900}))
        page.goto(url)
        expect(page.get_by_label("Quantity").nth(1)).to_have_value("5000")
        shot(page, "page")
        page.get_by_label("Quantity").nth(0).fill("-5")  # a slip first: refused by its field
        page.get_by_label("Quantity").nth(1).fill("4000")
        page.get_by_label("Promised date").nth(1).fill("2026-12-21")
        page.get_by_label("Accept with the changes marked above").check()
        page.get_by_label("Your order reference").fill("KF-SO-88231")
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("[data-error='line-1-quantity']")).to_have_text("must be more than 0")
        expect(page.get_by_label("Quantity").nth(1)).to_have_value("4000")  # kept
        shot(page, "errors")
        page.get_by_label("Quantity").nth(0).fill("2500")
        page.get_by_role("button", name="Send answer").click()

        # Sent, and on record as soon as ingest has it (often already on this page).
        expect(page.locator("[data-testid=sent]")).to_contain_text("Accepted with changes")
        told = page.locator("[data-testid=told-line]").nth(1)
        expect(told).to_have_text("line 2: changed · quantity 4,000 · promised 2026-12-21")
        wait_for(lambda: status_of(base) == "changes_proposed", 60, 0.25, "the answer recorded")
        page.reload()
        expect(page.locator("[data-testid=sent-state]")).to_have_text("It is on record (below).")
        expect(page.locator("[data-testid=status]")).to_have_text("changes proposed")
        expect(page.locator("[data-testid=recorded] [data-testid=told-line]").nth(1)).to_have_text(
            "line 2: changed · quantity 4,000 · promised 2026-12-21"
        )
        shot(page, "sent")

        page.goto(f"{base}/ui/po/{PO}")
        expect(page.locator("#po-status [data-status=changes_proposed]")).to_be_visible()
        changed = page.locator("#changes [data-line='2']")
        expect(changed).to_contain_text("quantity 5000 → 4000")
        page.screenshot(path=str(ARTIFACTS / "portal-po-page.png"), full_page=True)
        assert not watch.outside, watch.outside
        # Chromium logs the refused form's 422 as a console error: that one was expected.
        assert [e for e in watch.errors if "status of 422" not in e] == []
        page.close()
