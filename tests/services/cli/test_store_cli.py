"""Reads never create a store: `no store at <path>` and exit 1, and nothing on disk; a
plain file path is a SQLite store like a `sqlite:///` URL."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from projections.runner import Runner
from projections.views.status import StatusProjection
from services.cli import app
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import PO, approved, sent

runner = CliRunner()

READS = [
    ["status", PO],
    ["status", PO, "--as-of", "2030-01-01T00:00:00Z"],
    ["audit", PO],
    ["forecast"],
    ["forecast", "--as-of", "2030-01-01T00:00:00Z"],
    ["replay", "--as-of", "2030-01-01T00:00:00Z"],
    ["replay", "status"],
]


@pytest.mark.parametrize("command", READS, ids=[" ".join(c[:2]) for c in READS])
def test_a_read_of_a_missing_store_says_so_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    url = f"sqlite:///{tmp_path}/missing/dir/x.sqlite"

    result = runner.invoke(app, command, env={"POTRACK_STORE_URL": url})

    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: no store at {tmp_path}/missing/dir/x.sqlite (POTRACK_STORE_URL={url})"
    ]
    assert list(tmp_path.iterdir()) == []


def test_the_default_store_is_not_created_in_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POTRACK_STORE_URL", raising=False)

    result = runner.invoke(app, ["status", PO])

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: no store at {tmp_path}/.potrack/potrack.sqlite (POTRACK_STORE_URL is not "
        "set: the default sqlite:///.potrack/potrack.sqlite is relative to this directory)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_relative_store_url_is_said_to_be_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(app, ["audit", PO], env={"POTRACK_STORE_URL": "./x.sqlite"})

    assert result.exit_code == 1
    assert "POTRACK_STORE_URL=./x.sqlite is relative to this directory" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_translate_without_a_store_creates_none(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("not a document")
    url = f"sqlite:///{tmp_path}/missing/x.sqlite"

    result = runner.invoke(app, ["translate", str(doc)], env={"POTRACK_STORE_URL": url})

    assert result.exit_code == 1
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("form", ["plain", "relative"])
def test_a_plain_file_path_is_a_sqlite_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    path = tmp_path / "potrack.sqlite"
    store, db = EventStore(f"sqlite:///{path}"), ViewDB(f"sqlite:///{path}")
    store.record([approved(time=0), sent("S1", time=1)], {}, "g")
    Runner(StatusProjection(), store, db).step()
    store.close()
    db.close()
    monkeypatch.chdir(tmp_path)
    given = str(path) if form == "plain" else "./potrack.sqlite"

    result = runner.invoke(app, ["status", PO, "--json"], env={"POTRACK_STORE_URL": given})

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == 2


def test_a_file_that_is_not_a_store_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, but long enough to be read as one " * 40)

    result = runner.invoke(app, ["status", PO], env={"POTRACK_STORE_URL": str(path)})

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: cannot open the event store sqlite:///{path}: file is not a database"
    )
