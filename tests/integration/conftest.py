"""Integration fixtures: the event store on both engines."""

from pathlib import Path

import pytest

from services.store.events import EventStore


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty event store: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/potrack.sqlite"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    EventStore(url).close()  # create the tables, so tests may query before potrack starts
    return url
