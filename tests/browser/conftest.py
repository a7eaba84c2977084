"""Browser fixtures: Debian's Chromium driven by Playwright, and the API tests' SQLite world."""

import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.services.api.conftest import world

__all__ = ["launch", "world"]

# Quiet and deterministic in CI containers: no sandbox (root), no GPU, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """The system Chromium; a missing browser fails the test (CI installs it), never skips."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "no Chromium on PATH: install it (Debian: apt-get install -y chromium); "
            "the browser tests use the system browser, not Playwright's download"
        )
    return found


Launch = Callable[[], Browser]


@pytest.fixture
def launch() -> Iterator[Launch]:
    """`browser = launch()` in the test body, so a missing Chromium FAILS the test itself."""
    with sync_playwright() as playwright:
        opened: list[Browser] = []

        def start() -> Browser:
            browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            opened.append(browser)
            return browser

        yield start
        for browser in opened:
            browser.close()
