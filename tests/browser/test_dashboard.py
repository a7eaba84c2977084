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
from tests.services.api.scenario import FOUR_DAYS, book, line, shifted

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
        # The chart shows every supplier the table lists.
        suppliers = page.locator("#suppliers [data-testid=supplier-row] td:first-child")
        expect(page.locator("#supplier-chart [data-testid=chart-row]")).to_have_count(
            suppliers.count()
        )
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
        # Source and id are cut to fit, whole in their tooltips; event times on one line.
        for clip in page.locator("#audit [data-testid=audit-origin] .clip").all():
            assert clip.get_attribute("title") == clip.inner_text()
        assert one_line(page, "#audit td.when")
        page.locator("[data-testid=older-revision] summary").click()
        page.screenshot(path=str(ARTIFACTS / "po-detail.png"), full_page=True)
        page.close()  # ends the event stream, so the server stops at once


def one_line(page: Page, cells: str) -> bool:
    """Whether the text of every cell matched by `cells` is laid out on a single line."""
    return bool(
        page.eval_on_selector_all(
            cells,
            """cells => cells.length > 0 && cells.every((cell) => {
                const range = document.createRange();
                range.selectNodeContents(cell);
                const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                return tops.size === 1;
            })""",
        )
    )


def fits(page: Page) -> None:
    """Nothing widens the page past the viewport: wide tables scroll inside their cards."""
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    assert wide <= page.viewport_size["width"], wide  # type: ignore[index]


def test_a_narrow_screen_keeps_the_cards_inside_the_page(world: World, launch: Launch) -> None:
    """420 px wide: controls wrap, tables scroll inside their cards, the audit trail keeps
    long sources and ids to a line each; the page itself never scrolls sideways."""
    now = datetime.now(UTC)
    at = now - timedelta(days=1)
    source = "urn:potrack:gateway:x12:partner-acme-industrial-supplies"
    world.given(*shifted(book(), now - timedelta(days=6), now))
    world.given(
        approved(
            ["S1"],
            po="PO-4242",
            time=at,
            id="urn:uuid:7d0c5a8e-2f43-4d1b-9a51-2c7e1f0b9d64",
            source="urn:erp:sap-s4hana-production-eu-west-1",
            lines=[line(1, "100", "123456.78", (now + timedelta(days=10)).date().isoformat())],
            total="12345678.00",
        ),
        sent("S1", po="PO-4242", time=at + timedelta(minutes=1), source=source),
        delivered("S1", po="PO-4242", time=at + timedelta(minutes=2), source=source),
    )
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(world.settings, world.store, world.db, stream_interval=0.2)
    browser = launch()
    with serve(app) as base:
        page = browser.new_page(viewport={"width": 420, "height": 900})
        page.goto(f"{base}/")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        expect(page.locator("#forecast")).to_have_attribute("data-state", "loaded")
        fits(page)
        card = page.locator("#forecast").bounding_box()
        button = page.locator("#forecast-csv").bounding_box()
        assert card and button and button["x"] + button["width"] <= card["x"] + card["width"]
        page.screenshot(path=str(ARTIFACTS / "dashboard-420.png"), full_page=True)

        page.goto(f"{base}/ui/po/PO-4242")
        expect(page.locator("#audit [data-testid=audit-row]")).to_have_count(3)
        fits(page)
        first = page.locator("#audit [data-testid=audit-origin]").first.locator(".clip")
        expect(first.nth(0)).to_have_attribute("title", "urn:erp:sap-s4hana-production-eu-west-1")
        expect(first.nth(1)).to_have_attribute(
            "title", "urn:uuid:7d0c5a8e-2f43-4d1b-9a51-2c7e1f0b9d64"
        )
        assert one_line(page, "#audit td.when")
        assert one_line(page, "#audit [data-testid=audit-origin] .clip")
        page.screenshot(path=str(ARTIFACTS / "po-420.png"), full_page=True)
        page.close()


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
