"""Every page in a real (Debian) Chromium, wide and phone-narrow, with a screenshot of each
in test-artifacts/: the dashboard (needs action by reason, suppliers worst first), a PO page
with the changes a supplier proposed, an unknown PO, the cash forecast, and the API
documents (/docs, /redoc) served without internet.

On every page: no console error, no request leaving 127.0.0.1 (each is blocked and
recorded), and no panel left empty (each has content or says there is nothing)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from services.api import create_app
from tests.browser.test_dashboard import fits, one_line
from tests.factories import acked, approved
from tests.services.api.conftest import World, open_world
from tests.services.api.live import serve
from tests.services.api.scenario import (
    book,
    handed_over,
    line,
    lines_book,
    shifted,
    suppliers_book,
)

pytestmark = pytest.mark.browser
Launch = Callable[[], Browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL = {"127.0.0.1", "localhost"}
NOT_FOUND = "the server responded with a status of 404 (Not Found)"

# Each visible panel: its text besides the heading, and whether a table body, list or
# chart in it is empty. A panel that shows nothing must say so ("No alerts.", ...).
EMPTY_PANELS = """() => {
  const shown = (e) => e.getClientRects().length > 0;
  return [...document.querySelectorAll("section.card, .kpi")].filter(shown).flatMap((card) => {
    const name = card.id || card.dataset.testid || card.querySelector("h2")?.innerText;
    const text = [...card.children].filter((c) => c.tagName !== "H2")
      .map((c) => c.innerText).join("").replace(/[\\s\u2013\u2026]|Loading/g, "");
    const hollow = [...card.querySelectorAll("tbody, svg, ul, ol")].filter(shown)
      .filter((part) => part.children.length === 0).map((part) => part.id || part.tagName);
    return [text ? null : `${name}: no content`,
      ...hollow.map((part) => `${name}: empty ${part}`)].filter(Boolean);
  });
}"""


class Watch:
    """What went wrong on a page: console errors, uncaught exceptions, outside requests."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []

    def attach(self, page: Page) -> Page:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(route: Route) -> None:
            if urlsplit(route.request.url).hostname in LOCAL or route.request.url.startswith(
                "data:"
            ):
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        page.route("**/*", route)
        return page

    def expect_not_found(self) -> None:
        """Chromium logs the 404 of a fetch as a console error: that one was expected."""
        self.errors = [e for e in self.errors if NOT_FOUND not in e]

    def check(self, page: Page, what: str) -> None:
        assert not self.outside, f"{what}: requests left the machine: {self.outside}"
        assert not self.errors, f"{what}: console errors: {self.errors}"
        empty = page.evaluate(EMPTY_PANELS)
        assert not empty, f"{what}: empty panels: {empty}"


@contextmanager
def watched(browser: Browser, width: int, height: int = 1000) -> Iterator[tuple[Page, Watch]]:
    watch = Watch()
    page = watch.attach(browser.new_page(viewport={"width": width, "height": height}))
    try:
        yield page, watch
    finally:
        page.close()  # ends the event stream, so the server stops at once


def shot(page: Page, name: str, *, full: bool = True) -> None:
    """test-artifacts/page-<name>.png (the other browser tests' names are left alone)."""
    page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=full)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module (the pages only read) over a book with every reason to
    act, 13 named suppliers, a PO whose supplier changed lines (event times six days ago,
    in the suppliers' 90-day window) and one confirmed for three weeks from now (the cash
    forecast)."""
    with open_world(f"sqlite:///{tmp_path_factory.mktemp('pages')}/potrack.sqlite") as world:
        yield from serving(world)


def serving(world: World) -> Iterator[str]:
    now = datetime.now(UTC)
    start = now - timedelta(days=6)
    world.given(*shifted(book() + lines_book() + suppliers_book(), start, now))
    due = (now + timedelta(days=21)).date().isoformat()
    world.given(
        *shifted(
            [
                approved(["S1"], po="PO-F1", total="4200.00", lines=[line(1, "12", "350", due)]),
                *handed_over("PO-F1", 1),
                acked("S1", po="PO-F1", time=30),
            ],
            start,
            now,
        )
    )
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(create_app(world.settings, world.store, world.db, stream_interval=0.2)) as url:
        yield url


def worst_first(figures: dict[str, Any]) -> tuple[float, float, int, str]:
    """The dashboard's order (every supplier here has acknowledgments due): lowest on-time
    rate, then lowest acknowledgment rate, then most due, then by id."""
    return (
        figures["on_time_acknowledgment_rate"],
        figures["acknowledgment_rate"],
        -figures["acknowledgments_due"],
        figures["supplier_id"],
    )


def open_dashboard(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#forecast")).to_have_attribute("data-state", "loaded")
    expect(page.locator("#action")).to_have_attribute("data-state", "loaded")


def test_the_dashboard_shows_the_worst_first_and_every_reason_to_act(
    base: str, launch: Launch
) -> None:
    api = httpx.get(f"{base}/dashboard/needs-action", params={"limit": 500}).json()
    counts = api["counts"]
    assert counts["rejected"] >= 20 and counts["overdue"] >= 1, counts
    browser = launch()
    with watched(browser, 1400) as (page, watch):
        open_dashboard(page, base)

        # Needs action: a count per reason, 20 rows of all, then more on request.
        chips = page.locator("#action-filters [data-testid=action-filter]")
        expect(chips).to_have_count(5)
        expect(chips.first).to_have_text(f"All {api['total']}")
        for reason, n in counts.items():
            expect(
                page.locator(f"#action-filters [data-reason={reason}] .chip-count")
            ).to_have_text(str(n))
        rows = page.locator("#needs-action [data-testid=action-row]")
        expect(rows).to_have_count(20)
        expect(page.locator("#action-shown")).to_have_text(f"20 of {api['total']} shown")
        expect(rows.first.locator(".tag-overdue")).to_have_text("overdue")  # overdue first
        page.locator("#action-more").click()
        expect(rows).to_have_count(min(40, api["total"]))
        shown = [i["po_number"] for i in api["items"][:40]]
        assert [r.get_attribute("data-po") for r in rows.all()] == shown  # the API's order

        page.locator("#action-filters [data-reason=rejected]").click()
        expect(rows).to_have_count(20)
        expect(page.locator("#action-shown")).to_have_text(f"20 of {counts['rejected']} shown")
        for row in rows.all():
            expect(row.locator("[data-reasons]")).to_have_attribute("data-reasons", "rejected")
            expect(row.locator(".badge")).to_have_text("rejected")
        page.locator("#action-more").click()
        expect(rows).to_have_count(counts["rejected"])
        expect(page.locator("#action-more")).to_be_hidden()
        page.locator("#action-filters [data-reason=changes_proposed]").click()
        expect(rows).to_have_count(counts["changes_proposed"])
        expect(rows.first).to_have_attribute("data-po", "PO-L1")

        # Suppliers by name (id on hover, one line), worst on-time rate first, all on request.
        figures = sorted(httpx.get(f"{base}/suppliers").json(), key=worst_first)
        worst = figures[0]
        chart = page.locator("#supplier-chart [data-testid=chart-row]")
        expect(chart).to_have_count(10)
        expect(chart.first).to_have_attribute("data-supplier", worst["supplier_id"])
        rates = [s["on_time_acknowledgment_rate"] for s in figures]
        table = page.locator("#suppliers [data-testid=supplier-row]")
        names = table.locator("[data-testid=supplier]")
        expect(names.first).to_have_text(worst["supplier_name"])
        expect(names.first).to_have_attribute(
            "title", f"{worst['supplier_name']} · {worst['supplier_id']}"
        )
        assert one_line(page, "#suppliers [data-testid=supplier]")
        assert one_line(page, "#needs-action [data-testid=supplier]")
        expect(page.locator("#supplier-chart-note")).to_have_text(
            f"· the worst 10 of {len(figures)}"
        )
        toggle = page.locator("#supplier-toggle")
        expect(toggle).to_have_text(f"Show all ({len(figures)})")
        page.locator("#action-filters [data-reason=all]").click()
        watch.check(page, "dashboard")
        shot(page, "dashboard")
        page.locator("#forecast").screenshot(path=str(ARTIFACTS / "page-forecast.png"))

        toggle.click()
        expect(chart).to_have_count(len(figures))
        expect(table).to_have_count(len(figures))
        shown_rates = [
            float(t.removesuffix(" %")) / 100
            for t in table.locator("td:nth-child(4)").all_inner_texts()
        ]
        assert shown_rates == pytest.approx(rates, abs=0.001)  # ascending: worst first
        # Long names are cut before their bar; the whole name and id are in the tooltip.
        for label in chart.locator("[data-testid=chart-label]").all():
            box = label.bounding_box()
            assert box is not None and box["width"] <= 0.34 * 480
        expect(toggle).to_have_text("Show the worst 10")
        watch.check(page, "dashboard, every supplier")
        page.locator("#supplier-card").screenshot(path=str(ARTIFACTS / "page-suppliers.png"))


def test_the_po_pages_show_what_changed_and_an_unknown_po_says_so(
    base: str, launch: Launch
) -> None:
    browser = launch()
    with watched(browser, 1400) as (page, watch):
        page.goto(f"{base}/ui/po/PO-L1")
        changes = page.locator("#changes")
        expect(changes).to_be_visible()
        lines = changes.locator("[data-testid=change-line]")
        # Of five PO lines: 2 changed, 3 backordered, 4 rejected, 5 left out; and line 9.
        expect(lines).to_have_count(5)
        expect(changes.locator("[data-line='2']")).to_contain_text(
            "quantity 10 → 8 (\u221220.00 %) · unit price 2.50 → 2.75 (+10.00 %)"
        )
        expect(changes.locator("[data-line='3']")).to_contain_text("6 backordered")
        expect(changes.locator("[data-line='4']")).to_contain_text("rejected")
        expect(changes.locator("[data-line='5']")).to_contain_text("not answered")
        expect(changes.locator("[data-line='9']")).to_contain_text("not on the PO")
        expect(page.locator("#po-facts [data-testid=supplier]")).to_have_text("Acme Parts")
        expect(page.locator("#po-facts [data-testid=supplier]")).to_have_attribute(
            "title", "Acme Parts · SUP-1"
        )
        expect(page.locator("#audit [data-testid=audit-row]")).to_have_count(4)
        watch.check(page, "PO page")
        shot(page, "po")

        # Accepted without changes: no such panel.
        page.goto(f"{base}/ui/po/PO-S01-A")
        expect(page.locator("#audit [data-testid=audit-row]")).to_have_count(4)
        expect(changes).to_be_hidden()
        watch.check(page, "PO page, accepted")

        page.goto(f"{base}/ui/po/PO-NOPE")
        expect(page.locator("[data-testid=po-error]")).to_have_text(
            "Unknown purchase order: no event was ever recorded for PO 'PO-NOPE'"
        )
        expect(page.locator("[data-testid=po-not-found]")).to_have_text("not found")
        expect(page.locator("main > section.card:visible")).to_have_count(1)  # the head only
        watch.expect_not_found()  # the answer of GET /pos/PO-NOPE
        watch.check(page, "unknown PO")
        shot(page, "po-unknown")


def test_the_api_documents_work_offline(base: str, launch: Launch) -> None:
    """Swagger UI and ReDoc load their scripts from this server: no request leaves it."""
    browser = launch()
    with watched(browser, 1400) as (page, watch):
        page.goto(f"{base}/docs")
        expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
        assert page.locator(".opblock").count() >= 10
        expect(
            page.locator(".opblock-summary-path", has_text="/dashboard/needs-action")
        ).to_have_count(1)
        watch.check(page, "/docs")
        shot(page, "docs", full=False)

        page.goto(f"{base}/redoc")
        operation = page.locator("h2", has_text="POs that need action")
        expect(operation.first).to_be_visible(timeout=15_000)
        watch.check(page, "/redoc")
        shot(page, "redoc", full=False)
    icon = httpx.get(f"{base}/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"


@pytest.mark.parametrize("width", [390])
def test_every_page_fits_a_phone(base: str, launch: Launch, width: int) -> None:
    browser = launch()
    with watched(browser, width, 844) as (page, watch):
        open_dashboard(page, base)
        fits(page)
        watch.check(page, f"dashboard at {width} px")
        shot(page, f"dashboard-{width}")
        for po, name in (("PO-L1", "po"), ("PO-NOPE", "po-unknown")):
            page.goto(f"{base}/ui/po/{po}")
            expect(page.locator("#po-number")).to_have_text(po)
            expect(page.locator("#po-status")).not_to_be_empty()
            fits(page)
            watch.expect_not_found()
            watch.check(page, f"{po} at {width} px")
            shot(page, f"{name}-{width}")
