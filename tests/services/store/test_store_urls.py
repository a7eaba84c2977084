"""POTRACK_STORE_URL forms, and an unusable PostgreSQL said quickly and why (on a real
server: refused, authentication failed, database missing, unknown host)."""

import contextlib
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from services.cli import app
from services.store.events import EventStore
from services.store.urls import StoreUnavailable, normalize_store_url, probe, redact
from services.store.views import ViewDB

QUICK = 6.0  # seconds: "a few", against eventsourcing's 10 s pool timeout


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("sqlite:///rel/x.sqlite", "sqlite:///rel/x.sqlite"),
        ("sqlite:////abs/x.sqlite", "sqlite:////abs/x.sqlite"),
        ("/abs/x.sqlite", "sqlite:////abs/x.sqlite"),
        ("./x.sqlite", "sqlite:///./x.sqlite"),
        ("x.sqlite", "sqlite:///x.sqlite"),
        (" postgresql://u:p@h:5433/db ", "postgresql://u:p@h:5433/db"),
    ],
)
def test_store_url_forms(given: str, url: str) -> None:
    assert normalize_store_url(given) == url


@pytest.mark.parametrize("bad", ["", "mysql://h/db", "sqlite:///", "postgresql://h:port/db"])
def test_a_bad_store_url_says_what_is_taken(bad: str) -> None:
    with pytest.raises(ValueError, match="sqlite:///relative/path, sqlite:////absolute/path"):
        normalize_store_url(bad)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def quickly_unavailable(url: str) -> str:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        probe(url)
    assert time.monotonic() - started < QUICK
    message = str(raised.value)
    assert "\n" not in message
    assert "s3cret" not in message
    return message


def test_a_closed_port_is_connection_refused() -> None:
    port = free_port()
    message = quickly_unavailable(f"postgresql://potrack:s3cret@127.0.0.1:{port}/potrack")
    assert message == f"connection refused at 127.0.0.1:{port} (is PostgreSQL running there?)"


def test_an_unknown_host_is_said_so() -> None:
    message = quickly_unavailable("postgresql://potrack:s3cret@no-such-host.invalid/potrack")
    assert message == "unknown host 'no-such-host.invalid'"


def test_a_missing_database_is_said_so(postgres_server: str) -> None:
    url = urlsplit(postgres_server)._replace(path="/no_such_db").geturl()
    host = urlsplit(postgres_server)
    message = quickly_unavailable(url)
    assert message == f"database 'no_such_db' does not exist at {host.hostname}:{host.port}"


@contextlib.contextmanager
def role_with_password(server: str) -> Iterator[str]:
    """A login role whose password is checked, even on a cluster that trusts every local
    connection (the tests' own): a pg_hba.conf line for that role alone, removed after."""
    name = f"pw_{uuid.uuid4().hex[:10]}"
    line = f"host all {name} all scram-sha-256\n"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'right'").format(sql.Identifier(name)))
        hba = Path(str(conn.execute("SHOW hba_file").fetchone()[0]))  # type: ignore[index]
        wrong = urlsplit(server)._replace(
            netloc=f"{name}:s3cret@{urlsplit(server).netloc.split('@')[-1]}"
        )
        try:
            psycopg.connect(wrong.geturl(), connect_timeout=5).close()
            trusted = True
        except psycopg.OperationalError:
            trusted = False
        if trusted:  # needs the server's files: the local throwaway cluster
            hba.write_text(line + hba.read_text())
            conn.execute("SELECT pg_reload_conf()")
        try:
            yield wrong.geturl()
        finally:
            if trusted:
                hba.write_text(hba.read_text().replace(line, "", 1))
                conn.execute("SELECT pg_reload_conf()")
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_a_wrong_password_is_authentication_failed(postgres_server: str) -> None:
    with role_with_password(postgres_server) as url:
        message = quickly_unavailable(url)
        user = urlsplit(url).username
        assert message.startswith(f"authentication failed for user '{user}' at ")


def test_the_cli_says_why_in_one_line(postgres_server: str) -> None:
    url = urlsplit(postgres_server)._replace(path="/no_such_db").geturl()
    started = time.monotonic()

    result = CliRunner().invoke(app, ["status", "PO-1"], env={"POTRACK_STORE_URL": url})

    assert time.monotonic() - started < QUICK
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot open the event store postgresql://")
    assert lines[0].endswith(
        "database 'no_such_db' does not exist at " + urlsplit(url).netloc.split("@")[-1]
    )
    password = urlsplit(url).password
    assert not password or f":{password}@" not in result.output


def test_the_store_and_the_views_say_why(postgres_server: str) -> None:
    url = urlsplit(postgres_server)._replace(path="/no_such_db").geturl()
    for opener in (EventStore, ViewDB):
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="database 'no_such_db' does not exist"):
            opener(url)
        assert time.monotonic() - started < QUICK


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:p@ss@db.example:5432/po", "postgresql://db.example:5432/po"),
        ("postgresql://u:secret@db.example/po", "postgresql://db.example/po"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_a_store_url_in_a_message_shows_no_part_of_its_password(url: str, shown: str) -> None:
    assert redact(url) == shown
