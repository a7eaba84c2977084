"""The PO page in a real (Debian) Chromium shows what potrack notify sent about each
recipient: alerts to the buyer and webhooks, reminders to the supplier."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from projections.tables import notifications
from services.api import create_app
from services.notify.service import queued
from services.notify.targets import Destination
from tests.factories import PO, approved
from tests.services.api.conftest import World
from tests.services.api.live import serve
from tests.services.notify.alerts import notice

pytestmark = pytest.mark.browser
Launch = Callable[[], Browser]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SENT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SUPPLIER = Destination("supplier:orders@acme.example", "supplier orders@acme.example", "reminder")
BUYER = Destination("buyer:buyer@example.com", "buyer buyer@example.com", "notification")


def test_the_po_page_lists_the_reminders_and_alerts_sent(world: World, launch: Launch) -> None:
    world.given(approved(["S1"], ["AP"]))
    rows = [queued(notice(po=PO, recipient="S1", level=n), SUPPLIER, SENT, 0) for n in (1, 2)]
    rows.append(queued(notice(po=PO, recipient="S1"), BUYER, SENT, 0))
    with world.db.transaction() as tx:
        notifications.enqueue(tx, rows)
        for target in (SUPPLIER.key, BUYER.key):
            for row in notifications.queued(tx, target):  # each in a message of its own
                notifications.delivered(tx, [row], SENT)
    app = create_app(world.settings, world.store, world.db)
    browser = launch()
    with serve(app) as base:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base}/ui/po/{PO}")

        notes = page.locator("#timeline [data-testid=notification]")
        expect(notes).to_have_count(3)
        expect(notes.nth(0)).to_contain_text("alert sent to buyer buyer@example.com")
        expect(notes.nth(1)).to_contain_text(
            "reminder sent to supplier S1 (orders@acme.example) · acknowledgment overdue"
        )
        expect(notes.nth(2)).to_contain_text("level 2")
        recipient = page.locator("[data-testid=timeline-recipient]", has_text="S1")
        expect(recipient.locator("[data-testid=notification]")).to_have_count(3)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "po-notifications.png"), full_page=True)
        page.close()
