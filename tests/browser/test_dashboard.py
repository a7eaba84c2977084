"""The dashboard in a real (Debian) Chromium: live updates over SSE, then a PO's detail page."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from schemas.recorded import Fact
from services.api import create_app
from tests.factories import acked, approved, delivered, revised, sent
from tests.services.api.conftest import World
from tests.services.api.live import serve
from tests.services.api.scenario import FOUR_DAYS, book, shifted

pytestmark = pytest.mark.browser
Launch = Callable[[], Browser]  # the `launch` fixture (conftest.py)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


# The 855 the revision-2 acknowledgment was translated from (contract §2b).
DOCUMENT = {
    "format": "x12",
    "sha256": "ab" * 32,
    "reference": "855 000000902",
    "topic": "po.documents.v1",
    "partition": 2,
    "offset": 41,
}


def arriving(t: int = FOUR_DAYS + 10) -> list[Fact]:
    """A PO whose change order the supplier accepted with changes, and two fresh ones."""
    po = "PO-2001"
    return [
        approved(["S1"], ["AP"], po=po, time=t, supplier_id="SUP-4"),
        sent("S1", po=po, time=t + 1),
        sent("AP", po=po, time=t + 1),
        delivered("S1", po=po, time=t + 2),
        delivered("AP", po=po, time=t + 2),
        acked("S1", po=po, time=t + 30),
        revised(2, ["S1"], ["AP"], po=po, time=t + 60, supplier_id="SUP-4", total="1400.00"),
        sent("S1", po=po, time=t + 61, revision=2),
        delivered("S1", po=po, time=t + 62, revision=2),
        acked(
            "S1",
            po=po,
            time=t + 90,
            revision=2,
            decision="accepted_with_changes",
            source="urn:potrack:gateway:x12",
            document=DOCUMENT,
        ),
        approved(["S1"], po="PO-2002", time=t + 5, supplier_id="SUP-1"),
        approved(["S1"], po="PO-2003", time=t + 6, supplier_id="SUP-3"),
    ]


def open_dashboard(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    expect(page.locator("#count-total")).to_have_text("5")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.evaluate("window.__notReloaded = true")


def test_the_dashboard_updates_live_and_opens_a_po(world: World, launch: Launch) -> None:
    # Six days ago, so the supplier figures (the last 90 days of wall-clock time) include it.
    now = datetime.now(UTC)
    start = now - timedelta(days=6)
    world.given(*shifted(book(), start, now))
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(world.settings, world.store, world.db, stream_interval=0.2)
    browser = launch()
    with serve(app) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_dashboard(page, base)

        world.given(*shifted(arriving(), start, now))  # events stream in, page open

        expect(page.locator("#count-total")).to_have_text("8", timeout=10_000)
        expect(page.locator("#count-changes_proposed")).to_have_text("1")
        assert page.evaluate("window.__notReloaded") is True, "the page reloaded"
        expect(page.locator("#supplier-chart [data-testid=chart-bar]")).not_to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

        page.locator("#needs-action [data-testid=po-link]", has_text="PO-2001").click()
        page.wait_for_url("**/ui/po/PO-2001")
        expect(page.locator("#po-number")).to_have_text("PO-2001")
        expect(page.locator("#po-status")).to_contain_text("changes proposed")
        timeline = page.locator("#timeline")
        expect(timeline.locator("[data-testid=timeline-recipient]")).to_have_count(4)
        expect(timeline.locator("[data-testid=older-revision]")).to_have_count(1)
        expect(page.locator("#audit [data-testid=audit-row]")).to_have_count(10)
        expect(page.locator("#audit [data-testid=document]")).to_have_text(
            "from X12 855 000000902 · po.documents.v1 2@41"
        )
        page.locator("[data-testid=older-revision] summary").click()
        page.screenshot(path=str(ARTIFACTS / "po-detail.png"), full_page=True)
        page.close()  # ends the event stream, so the server stops at once


def test_the_dashboard_sends_the_api_token(world: World, launch: Launch) -> None:
    """With POTRACK_API_TOKEN set, /?token= opens the page and its JS authenticates."""
    now = datetime.now(UTC)
    world.given(*shifted(book(), now - timedelta(days=6), now))
    settings = world.settings.model_copy(update={"api_token": SecretStr("browser-token")})
    app = create_app(settings, world.store, world.db, stream_interval=0.2)
    browser = launch()
    with serve(app) as base:
        page = browser.new_page()
        assert page.goto(f"{base}/").status == 401  # type: ignore[union-attr]
        page.goto(f"{base}/?token=browser-token")
        expect(page.locator("#count-total")).to_have_text("5")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        page.locator("#needs-action [data-testid=po-link]", has_text="PO-1004").click()
        expect(page.locator("#po-number")).to_have_text("PO-1004")
        expect(page.locator("#audit [data-testid=audit-row]")).to_have_count(3)
        page.close()
