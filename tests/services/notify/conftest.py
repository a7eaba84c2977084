"""Real receivers for the notifier's tests, started per test, and its logs to a stream
that is open."""

from collections.abc import Iterator

import pytest

from services.logging import configure
from tests.services.notify.receivers import Mailbox, Webhook, smtp_server, webhook_server


@pytest.fixture(autouse=True)
def logs_to_an_open_stream() -> None:
    """A `potrack` command run by an earlier test (typer's CliRunner) leaves the logs
    configured to its stderr, closed since: the notifier's loggers, first used here, get
    this test's stderr instead."""
    configure("INFO", "console")


@pytest.fixture
def mail() -> Iterator[Mailbox]:
    """A local SMTP server."""
    with smtp_server() as box:
        yield box


@pytest.fixture
def hook() -> Iterator[Webhook]:
    """A local HTTP server taking json:// webhooks."""
    with webhook_server() as server:
        yield server
