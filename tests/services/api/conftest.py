"""API test fixtures: a real SQLite store and views, every projection, a TestClient."""

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.runner import Runner
from schemas.recorded import Fact
from services.api import create_app
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB
from services.wiring import build_projections
from tests.factories import ingest_watermark

CLOSED_KAFKA = "127.0.0.1:1"  # nothing listens there: /ready must say Kafka failed


@dataclass
class World:
    """The store, the views and their projection runners: record facts, then project."""

    settings: Settings
    store: EventStore
    db: ViewDB
    runners: list[Runner]

    def record(self, *facts: Fact) -> None:
        self.store.record(list(facts), {}, "g")

    def project(self) -> None:
        """Step every projection until none has anything left to apply."""
        while sum(runner.step().applied for runner in self.runners):
            pass

    def given(self, *facts: Fact) -> "World":
        """Record facts as a live run would have (each when it happened, unless recorded
        earlier) and, as ingest would once it caught up, a watermark at the newest of those
        times; then project."""
        live = [f.model_copy(update={"recorded_at": min(f.time, f.recorded_at)}) for f in facts]
        self.record(*live)
        if live:
            ingest_watermark(
                self.db, self.store.max_notification_id(), max(f.recorded_at for f in live)
            )
        self.project()
        return self


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "store_url": url,
        "kafka_bootstrap_servers": CLOSED_KAFKA,
        "api_token": None,
    }
    return Settings(**(values | overrides))


@contextlib.contextmanager
def open_world(url: str) -> Iterator[World]:
    """A store and views at `url` (SQLite file or PostgreSQL) with every projection."""
    settings = settings_for(url)
    store, db = EventStore(url), ViewDB(url)
    runners = [Runner(p, store, db) for p in build_projections(settings)]
    try:
        yield World(settings, store, db, runners)
    finally:
        db.close()
        store.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with open_world(f"sqlite:///{tmp_path}/potrack.sqlite") as opened:
        yield opened


ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(world: World) -> Iterator[ClientFactory]:
    """`make_client(api_token="s3cret")`: a client of an app with these settings."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        settings = settings_for(world.settings.store_url, **overrides)
        client = TestClient(create_app(settings, world.store, world.db))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()
