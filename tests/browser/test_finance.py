"""Finance in a real (Debian) Chromium: the dashboard's cash forecast chart per currency
and bucket size, and a PO page's lines with each supplier's answer and its commitment."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from projections.forecast import bucket_start
from projections.runner import Runner
from schemas.recorded import Fact
from services.api import create_app
from services.wiring import build_projections
from tests.factories import acked, approved, cancelled, delivered, sent
from tests.services.api.conftest import World
from tests.services.api.live import serve

pytestmark = pytest.mark.browser
Launch = Callable[[], Browser]  # the `launch` fixture (conftest.py)
THIN = "\u2009"  # groups the digits of the chart's axis labels (only there)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Within tolerance: 10 % quantity, 5 % unit price, 3 days late (projections.sla).
SLA = """
[tolerance]
quantity_pct = 10
price_pct = 5
days_late = 3
"""


def line(n: int, sku: str, quantity: str, price: str, need_by: date | None) -> dict[str, Any]:
    found: dict[str, Any] = {"line": n, "sku": sku, "quantity": quantity, "unit_price": price}
    if need_by is not None:
        found["need_by"] = need_by.isoformat()
        found["description"] = f"{sku.title()} for the assembly line"
    return found


class Book:
    """POs approved a day ago; their payments fall `terms` (0) days after the need-by date."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.date()
        self.at = now - timedelta(days=1)
        self.facts: list[Fact] = []

    def day(self, days: int) -> date:
        return self.today + timedelta(days=days)

    def po(
        self,
        po: str,
        currency: str,
        lines: list[dict[str, Any]],
        *,
        total: str,
        suppliers: tuple[str, ...] = ("S1",),
        supplier_id: str = "SUP-1",
    ) -> str:
        self.facts.append(
            approved(
                list(suppliers),
                ["AP"],
                po=po,
                time=self.at,
                supplier_id=supplier_id,
                currency=currency,
                total=total,
                lines=lines,
                payment_terms_days=0,
            )
        )
        for who in suppliers:
            self.facts.append(sent(who, po=po, time=self.at + timedelta(minutes=1)))
            self.facts.append(delivered(who, po=po, time=self.at + timedelta(minutes=2)))
        return po

    def ack(self, po: str, decision: str = "accepted", who: str = "S1", **data: Any) -> None:
        self.facts.append(
            acked(who, po=po, time=self.at + timedelta(minutes=30), decision=decision, **data)
        )

    def cancel(self, po: str) -> None:
        self.facts.append(cancelled(po=po, time=self.at + timedelta(minutes=40)))

    def recorded(self) -> list[Fact]:
        return [f.model_copy(update={"recorded_at": self.now}) for f in self.facts]


def finance_book(now: datetime) -> Book:
    """JPY, EUR and KWD commitments: confirmed, open, disputed, cancelled, past due (before
    this week and month), undated and far out; PO-3301 answers every kind of line."""
    b = Book(now)
    # JPY (no minor units): 1234567 confirmed next week, 750000 open and 100000 disputed in
    # three weeks, a cancelled 999999 never counts, 40000 past due, 5000 undated, 77000
    # in seven months (after the 13 weeks, within the 12 months).
    b.ack(b.po("PO-3001", "JPY", [line(1, "PRESS", "1", "1234567", b.day(7))], total="1234567"))
    b.po("PO-3002", "JPY", [line(1, "DIE", "3", "250000", b.day(21))], total="750000")
    disputed = b.po("PO-3003", "JPY", [line(1, "JIG", "10", "10000", b.day(21))], total="100000")
    b.ack(
        disputed,
        "accepted_with_changes",
        lines=[{"line": 1, "decision": "changed", "quantity": "8"}],
    )
    b.cancel(b.po("PO-3004", "JPY", [line(1, "PRESS", "1", "999999", b.day(7))], total="999999"))
    b.po("PO-3005", "JPY", [line(1, "OIL", "4", "10000", b.day(-45))], total="40000")
    b.po("PO-3006", "JPY", [line(1, "RAG", "50", "100", None)], total="5000")
    b.po("PO-3007", "JPY", [line(1, "MOLD", "1", "77000", b.day(210))], total="77000")
    # EUR: 1250.50 confirmed in two weeks, 980.00 open in five; 400.10 disputed by a whole
    # rejection, which leaves no date to expect: undated (projections.commitments).
    b.ack(b.po("PO-3101", "EUR", [line(1, "VALVE", "2", "625.25", b.day(14))], total="1250.50"))
    b.po("PO-3102", "EUR", [line(1, "PUMP", "1", "980.00", b.day(35))], total="980.00")
    b.ack(
        b.po("PO-3103", "EUR", [line(1, "HOSE", "10", "40.01", b.day(14))], total="400.10"),
        "rejected",
    )
    b.cancel(b.po("PO-3104", "EUR", [line(1, "PUMP", "1", "5000.00", b.day(14))], total="5000.00"))
    # KWD (three minor units): 12.5 open shows as 12.500.
    b.po("PO-3201", "KWD", [line(1, "FILTER", "1", "12.5", b.day(10))], total="12.5")
    # Every kind of answer from S1; S2 accepts the PO as ordered (no lines).
    answered = b.po(
        "PO-3301",
        "EUR",
        [
            line(1, "BOLT", "100", "2.50", b.day(10)),
            line(2, "NUT", "100", "0.40", b.day(10)),
            line(3, "WASHER", "200", "1.00", b.day(10)),
            line(4, "GASKET", "50", "3.00", b.day(10)),
            line(5, "SEAL", "20", "8.00", b.day(10)),
            line(6, "CLIP", "500", "0.10", b.day(10)),
        ],
        total="1090.00",
        suppliers=("S1", "S2"),
        supplier_id="SUP-4",
    )
    b.ack(
        answered,
        "accepted_with_changes",
        lines=[
            {"line": 1, "decision": "accepted", "promised_date": b.day(10).isoformat()},
            {
                "line": 2,
                "decision": "changed",
                "quantity": "95",
                "promised_date": b.day(12).isoformat(),
            },
            {"line": 3, "decision": "changed", "unit_price": "1.20"},
            {"line": 4, "decision": "backordered", "promised_date": b.day(20).isoformat()},
            {"line": 5, "decision": "rejected"},
            {"line": 9, "decision": "accepted", "quantity": "5", "unit_price": "1.00"},
        ],
    )
    b.ack(answered, who="S2")
    b.po("PO-3401", "EUR", [], total="300.00")  # no lines: one undated payment
    return b


def tolerant(world: World, tmp_path: Path) -> World:
    """The same store and views, projected under SLA (its tolerances) from now on."""
    path = tmp_path / "sla.toml"
    path.write_text(SLA, encoding="utf-8")
    settings = world.settings.model_copy(update={"sla_file": path})
    runners = [Runner(p, world.store, world.db) for p in build_projections(settings)]
    return World(settings, world.store, world.db, runners)


def monday(day: date) -> str:
    return bucket_start(day, "week").isoformat()


def forecast_loaded(page: Page) -> None:
    expect(page.locator("#forecast")).to_have_attribute("data-state", "loaded")


def pick(page: Page, currency: str) -> None:
    page.select_option("#forecast-currency", currency)
    expect(page.locator("#forecast-table-caption")).to_contain_text(currency)


def row(page: Page, start: str) -> Any:
    return page.locator(f"#forecast-rows [data-testid=forecast-row][data-start='{start}']")


def footer(page: Page, part: str) -> Any:
    return page.locator(f"#forecast-other [data-testid=forecast-{part}]")


def test_the_dashboard_charts_the_cash_forecast(
    world: World, launch: Launch, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    book = finance_book(now)
    world = tolerant(world, tmp_path)
    world.given(*book.recorded())
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(world.settings, world.store, world.db, stream_interval=0.2)
    browser = launch()
    with serve(app) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/")
        forecast_loaded(page)
        expect(page.locator("#forecast-currency option")).to_have_text(["EUR", "JPY", "KWD"])
        expect(page.locator("#forecast [data-bucket=week]")).to_have_attribute(
            "aria-pressed", "true"
        )

        # JPY by week: 1234567 confirmed next week; 750000 open + 100000 disputed in three.
        pick(page, "JPY")
        bars = page.locator("#forecast-chart [data-testid=forecast-bar]")
        expect(page.locator("#forecast-chart [data-testid=forecast-bucket]")).to_have_count(13)
        expect(bars).to_have_count(3)
        next_week, later = monday(book.day(7)), monday(book.day(21))
        confirmed = page.locator(f"[data-testid=forecast-bucket][data-start='{next_week}']")
        expect(confirmed.locator("[data-testid=forecast-bar]")).to_have_attribute(
            "data-amount", "1234567"
        )
        expect(confirmed.locator("title")).to_contain_text("confirmed 1234567")
        stacked = page.locator(f"[data-testid=forecast-bucket][data-start='{later}'] rect.fbar")
        expect(stacked).to_have_count(2)
        expect(stacked.nth(0)).to_have_attribute("data-state", "open")
        expect(stacked.nth(1)).to_have_attribute("data-state", "disputed")
        expect(page.locator("#forecast-rows [data-testid=forecast-row]")).to_have_count(2)
        # The header counts every bucket, and says how many the table lists.
        expect(page.locator("#forecast-range")).to_contain_text("13 weeks, 2 with payments")
        expect(row(page, next_week).locator("td")).to_have_text(
            [re.compile(r"\d+ .* \d{4}"), "1234567", "0", "0", "1234567"]
        )
        expect(row(page, later).locator("td").nth(4)).to_have_text("850000")
        expect(footer(page, "earlier").locator("td")).to_have_text(["0", "40000", "0", "40000"])
        expect(footer(page, "later").locator("[data-testid=total]")).to_have_text("77000")
        expect(footer(page, "undated").locator("[data-testid=total]")).to_have_text("5000")
        expect(footer(page, "totals").locator("td")).to_have_text(
            ["1234567", "872000", "100000", "2206567"]
        )
        # The axis groups digits by thin spaces; the table keeps the API's exact strings.
        tick = page.locator("#forecast-chart [data-testid=forecast-tick]")
        ticks = tick.all_text_contents()
        grouped = ["0", f"500{THIN}000", f"1{THIN}000{THIN}000", f"1{THIN}500{THIN}000"]
        assert ticks == grouped, ticks
        expect(tick.last).to_have_attribute("data-value", "1500000")
        text = page.locator("#forecast").inner_text()
        assert "1,234,567" not in text and "1234567.00" not in text
        assert "999999" not in text, "a cancelled commitment is forecast"
        page.screenshot(path=str(ARTIFACTS / "forecast.png"), full_page=True)

        # The CSV holds the currency shown, in the buckets shown, and is named after both.
        with page.expect_download() as downloading:
            page.locator("#forecast-csv").click()
        download = downloading.value
        assert download.suggested_filename == "cash-forecast-JPY-week.csv"
        rows = Path(download.path()).read_text(encoding="utf-8").splitlines()[1:]
        assert rows and {r.split(",")[0] for r in rows} == {"JPY"}, rows

        # By month: the 13 weeks become 12 months, and seven months out is in range.
        page.get_by_role("button", name="Months").click()
        expect(page.locator("#forecast [data-bucket=month]")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(page.locator("#forecast-bucket-head")).to_have_text("Month")
        forecast_loaded(page)
        expect(page.locator("#forecast-chart [data-testid=forecast-bucket]")).to_have_count(12)
        far = book.day(210).replace(day=1).isoformat()
        expect(row(page, far).locator("td").nth(2)).to_have_text("77000")
        expect(footer(page, "later").locator("[data-testid=total]")).to_have_text("0")
        expect(footer(page, "earlier").locator("[data-testid=total]")).to_have_text("40000")
        expect(footer(page, "totals").locator("[data-testid=total]")).to_have_text("2206567")
        listed = page.locator("#forecast-rows [data-testid=forecast-row]").count()
        expect(page.locator("#forecast-range")).to_contain_text(
            f"12 months, {listed} with payments"
        )
        page.locator("#forecast").screenshot(path=str(ARTIFACTS / "forecast-months.png"))

        # Other currencies keep their own minor units: KWD 12.5 is 12.500, EUR has cents.
        pick(page, "KWD")
        expect(bars).to_have_count(1)
        expect(bars).to_have_attribute("data-amount", "12.500")
        expect(footer(page, "totals").locator("td")).to_have_text(
            ["0.000", "12.500", "0.000", "12.500"]
        )
        pick(page, "EUR")
        expect(footer(page, "totals").locator("td")).to_have_text(
            ["1250.50", "1280.00", "1490.10", "4020.60"]
        )
        # PO-3401's 300.00 (no lines) and the wholly rejected PO-3103's 400.10.
        expect(footer(page, "undated").locator("[data-testid=total]")).to_have_text("700.10")
        assert "5000.00" not in page.locator("#forecast").inner_text()

        # Back to weeks: the currency chosen stays.
        page.get_by_role("button", name="Weeks").click()
        expect(page.locator("#forecast-bucket-head")).to_have_text("Week")
        forecast_loaded(page)
        expect(page.locator("#forecast-currency")).to_have_value("EUR")
        valve = row(page, monday(book.day(14))).locator("[data-testid=confirmed]")
        expect(valve).to_have_text("1250.50")

        # A PO approved while the page is open: the next summary pushed refreshes the chart.
        page.evaluate("window.__notReloaded = true")
        more = Book(now)
        more.po("PO-3002b", "JPY", [line(1, "DIE", "1", "1000", book.day(7))], total="1000")
        world.given(*more.recorded())
        pick(page, "JPY")
        expect(row(page, next_week).locator("[data-testid=open]")).to_have_text(
            "1000", timeout=10_000
        )
        expect(row(page, next_week).locator("[data-testid=total]")).to_have_text("1235567")
        assert page.evaluate("window.__notReloaded") is True, "the page reloaded"
        page.close()


def test_the_forecast_says_when_nothing_is_committed(world: World, launch: Launch) -> None:
    """No commitment at all: a plain message, no chart; the token reaches the API too."""
    settings = world.settings.model_copy(update={"api_token": SecretStr("browser-token")})
    app = create_app(settings, world.store, world.db, stream_interval=0.2)
    browser = launch()
    with serve(app) as base:
        page = browser.new_page()
        page.goto(f"{base}/?token=browser-token")
        forecast_loaded(page)
        expect(page.locator("#forecast-message")).to_have_text(
            "No commitments: no approved purchase order expects a payment."
        )
        expect(page.locator("#forecast-body")).to_be_hidden()
        expect(page.locator("#forecast-currency")).to_be_disabled()
        expect(page.locator("#forecast-csv")).to_be_disabled()
        page.close()


def test_the_po_page_shows_each_answer_per_line_and_the_commitment(
    world: World, launch: Launch, tmp_path: Path
) -> None:
    world = tolerant(world, tmp_path)
    world.given(*finance_book(datetime.now(UTC)).recorded())
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(world.settings, world.store, world.db)
    browser = launch()
    with serve(app) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/ui/po/PO-3301")
        answers = page.locator("#lines [data-testid=line-answer]")
        expect(answers).to_have_count(13)  # 6 lines x 2 suppliers, and S1's line 9
        expect(page.locator("#lines-note")).to_contain_text("5 answers outside tolerance")

        def answer(line: int, who: str = "S1") -> Any:
            return page.locator(
                f"#lines [data-testid=line-answer][data-line='{line}'][data-recipient='{who}']"
            )

        expected = {  # line: (decision, within, outside, quantity, unit price)
            1: ("accepted", "true", None, "100", "2.50"),
            2: ("changed", "true", None, "100 → 95\u22125 · \u22125.00 %", "0.40"),
            3: ("changed", "false", "unit_price", "200", "1.00 → 1.20+0.20 · +20.00 %"),
            4: ("backordered", "false", "date", "5050 backordered", "3.00"),
            5: ("rejected", "false", "rejected", "20 → 0\u221220 · \u2212100.00 %", "8.00 → —"),
            6: ("missing", "false", "missing", "500 → —", "0.10 → —"),
            9: ("unknown", "false", "unknown", "— → 5", "— → 1.00"),
        }
        for line, (decision, within, outside, quantity, price) in expected.items():
            found = answer(line)
            expect(found).to_have_attribute("data-decision", decision)
            mark = found.locator("[data-testid=tolerance]")
            expect(mark).to_have_attribute("data-within", within)
            if outside is None:
                expect(mark).to_have_text("✓ within")
            else:
                expect(mark).to_have_attribute("data-outside", outside)
                expect(mark).to_contain_text("✗ outside")
            expect(found.locator("[data-testid=quantity]")).to_have_text(quantity)
            expect(found.locator("[data-testid=unit-price]")).to_have_text(price)
            bad = decision in ("rejected", "missing", "unknown")
            expect(found).to_have_class(re.compile(r"\bline-bad\b" if bad else r"^(?!.*line-bad)"))
        expect(answer(6).locator("[data-testid=line-decision]")).to_have_text("not answered")
        expect(answer(4).locator("[data-testid=dates]")).to_contain_text("10 days late")
        expect(answer(9).locator("[data-testid=tolerance]")).to_have_text(
            "✗ outside: not on the PO"
        )
        for line in range(1, 7):  # S2 accepted the PO as ordered
            expect(answer(line, "S2").locator("[data-testid=tolerance]")).to_have_text("✓ within")
        tolerance = page.locator("#timeline [data-testid=recipient-tolerance]")
        expect(tolerance).to_have_text(["✗ outside tolerance (5 lines)", "✓ within tolerance"])

        box = page.locator("#commitment")
        expect(page.locator("#commitment-state")).to_have_text("disputed")
        expect(box.locator("[data-testid=commitment-amount]")).to_have_text("1090.00 EUR")
        expect(box.locator("[data-testid=commitment-proposed]")).to_have_text("728.00 EUR")
        expect(box.locator("[data-testid=payment]")).to_have_count(3)
        expect(box.locator("[data-testid=payment] td:nth-child(2)")).to_have_text(
            # lines 1, 3, 6 at day 10; 2 at day 12; 4 at day 20 with the rejected line 5
            # (due with the rest, at the expected payment date) and the 240.00 beyond the lines
            ["500.00", "40.00", "550.00"]
        )
        page.screenshot(path=str(ARTIFACTS / "po-lines.png"), full_page=True)

        # A PO without lines: the section says so, the commitment is one undated payment.
        page.goto(f"{base}/ui/po/PO-3401")
        expect(page.locator("#po-number")).to_have_text("PO-3401")
        expect(page.locator("#lines [data-testid=no-lines]")).to_have_text(
            "This revision has no lines."
        )
        expect(page.locator("#commitment [data-testid=commitment-amount]")).to_have_text(
            "300.00 EUR"
        )
        expect(page.locator("#commitment [data-testid=payment]")).to_contain_text("undated")
        expect(page.locator("#timeline [data-testid=timeline-recipient]")).to_have_count(2)

        # JPY keeps its whole yen on the PO page as well.
        page.goto(f"{base}/ui/po/PO-3001")
        expect(page.locator("#commitment-state")).to_have_text("confirmed")
        expect(page.locator("[data-testid=ack-not-required]")).to_have_count(0)
        expect(page.locator("#commitment [data-testid=commitment-amount]")).to_have_text(
            "1234567 JPY"
        )
        expect(page.locator("#lines [data-testid=quantity]")).to_have_text("1")
        expect(page.locator("#lines [data-testid=unit-price]")).to_have_text("1234567")
        page.close()


def test_the_po_page_says_when_acknowledgment_is_not_required(world: World, launch: Launch) -> None:
    """`acknowledgment_required: false`: said by the status and by the commitment, which
    stays open, or is disputed when a supplier rejects all the same."""
    at = datetime.now(UTC) - timedelta(days=1)
    facts: list[Fact] = []
    for po in ("PO-3501", "PO-3502"):
        facts += [
            approved(["S1"], ["AP"], po=po, time=at, ack_required=False, currency="EUR"),
            sent("S1", po=po, time=at + timedelta(minutes=1)),
            sent("AP", po=po, time=at + timedelta(minutes=1)),
            delivered("S1", po=po, time=at + timedelta(minutes=2)),
            delivered("AP", po=po, time=at + timedelta(minutes=2)),
        ]
    facts.append(acked("S1", po="PO-3502", time=at + timedelta(minutes=30), decision="rejected"))
    world.given(*facts)
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(world.settings, world.store, world.db)
    browser = launch()
    with serve(app) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/ui/po/PO-3501")
        expect(page.locator("#po-status .badge")).to_have_text("distributed")
        expect(page.locator("#po-status [data-testid=ack-not-required]")).to_have_text(
            "acknowledgment not required"
        )
        expect(page.locator("#commitment-state .badge")).to_have_text("open")
        expect(page.locator("#commitment-state [data-testid=ack-not-required]")).to_be_visible()
        expect(page.locator("#commitment [data-testid=commitment-acknowledgment]")).to_contain_text(
            "not required"
        )
        supplier = page.locator("[data-testid=timeline-recipient]", has_text="S1")
        expect(supplier.locator("[data-step=acknowledged]")).to_contain_text("not required")

        # A rejection still disputes the commitment; acknowledgment stays "not required".
        page.goto(f"{base}/ui/po/PO-3502")
        expect(page.locator("#po-status .badge")).to_have_text("rejected")
        expect(page.locator("#po-status [data-testid=ack-not-required]")).to_be_visible()
        expect(page.locator("#commitment-state .badge")).to_have_text("disputed")
        expect(page.locator("#commitment-state [data-testid=ack-not-required]")).to_be_visible()
        supplier = page.locator("[data-testid=timeline-recipient]", has_text="S1")
        expect(supplier.locator("[data-step=acknowledged]")).to_contain_text("rejected")
        page.screenshot(path=str(ARTIFACTS / "po-no-ack.png"), full_page=True)
        page.close()
