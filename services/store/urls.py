"""POTRACK_STORE_URL: `sqlite:///relative/path`, `sqlite:////absolute/path` (or a plain file
path) or `postgresql://user:password@host:port/dbname`, as eventsourcing's environment; and
the quick look at a store before it is used (`locate`, `probe`).

eventsourcing's PostgreSQL pool waits out its whole timeout for a server that refuses or
rejects it and then says only "couldn't get a connection after 10.00 sec"; one plain
`psycopg.connect` first (`probe`) says why within a few seconds.
"""

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import psycopg

# Our recorders (services.store.events), named by topic as eventsourcing wants them.
SQLITE_RECORDER = "services.store.events:SQLiteBatchRecorder"
POSTGRES_RECORDER = "services.store.events:PostgresBatchRecorder"
STORE_URL_FORMS = (
    "sqlite:///relative/path, sqlite:////absolute/path, a file path (./x.sqlite, "
    "/abs/x.sqlite) or postgresql://user:password@host:port/dbname"
)
PROBE_SECONDS = 3  # libpq's connect_timeout of `probe` (per address; libpq's least is 2)


class StoreUnavailable(ConnectionError):
    """The store cannot be reached or opened; the message is one line, without password."""


def is_postgres(url: str) -> bool:
    """Whether the URL names a PostgreSQL database."""
    return urlparse(url).scheme in ("postgresql", "postgres")


def normalize_store_url(value: str) -> str:
    """The store URL of a POTRACK_STORE_URL value: a URL as given, a plain file path as a
    `sqlite:///` URL (`./x.sqlite` -> `sqlite:///./x.sqlite`, `/abs/x.sqlite` ->
    `sqlite:////abs/x.sqlite`). ValueError (one line, saying what is taken) for another
    scheme, a URL without a file path or a PostgreSQL URL with a bad port."""
    value = value.strip()
    if "://" not in value:
        if not value:
            raise ValueError(f"expected {STORE_URL_FORMS}")
        return f"sqlite:///{value}"
    parsed = urlparse(value)
    if parsed.scheme == "sqlite":
        if not parsed.path.lstrip("/") and "mode=memory" not in value:
            raise ValueError(f"no file path in the sqlite URL: expected {STORE_URL_FORMS}")
        return value
    if is_postgres(value):
        try:
            parsed.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError as exc:
            raise ValueError(f"bad port ({exc}): expected {STORE_URL_FORMS}") from None
        return value
    raise ValueError(f"unsupported scheme {parsed.scheme!r}: expected {STORE_URL_FORMS}")


def redact(url: str) -> str:
    """A store URL without its credentials, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.rsplit('@', 1)[1]}"  # a password may hold '@' itself


def sqlite_path(url: str) -> str:
    """The file of a `sqlite:///` URL (as written: a relative one is from the current
    directory); ValueError for another scheme. Creates nothing (`make_sqlite_dir`)."""
    parsed = urlparse(url)
    if parsed.scheme != "sqlite":
        raise ValueError(f"not a sqlite URL: {url!r}")
    return unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)


def _in_memory(url: str, path: str) -> bool:
    return path in (":memory:", "") or "mode=memory" in url


def make_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite store's file (for the writers that create it)."""
    path = sqlite_path(url)
    if not _in_memory(url, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def locate(url: str) -> str | None:
    """Where a store's data would be, for "no store at ..." messages: the absolute path of
    a SQLite file; None for an in-memory SQLite database or PostgreSQL."""
    if is_postgres(url):
        return None
    path = sqlite_path(url)
    return None if _in_memory(url, path) else str(Path(path).absolute())


def exists(url: str) -> bool:
    """Whether a SQLite store's file exists (always True for in-memory SQLite and for
    PostgreSQL, whose database `probe` checks)."""
    where = locate(url)
    return where is None or Path(where).is_file()


def postgres_conninfo(url: str, connect_timeout: int = 10) -> str:
    """A libpq connection string for a `postgresql://` URL."""
    return psycopg.conninfo.make_conninfo(
        "", **_postgres_params(url), connect_timeout=connect_timeout
    )


def _postgres_params(url: str) -> dict[str, str | int]:
    p = urlparse(url)
    return {
        "host": p.hostname or "127.0.0.1",
        "port": p.port or 5432,
        "dbname": unquote(p.path.lstrip("/")),
        "user": unquote(p.username or "postgres"),
        "password": unquote(p.password or ""),
    }


def probe(url: str, seconds: int = PROBE_SECONDS) -> None:
    """Connect once to a PostgreSQL store, within `seconds` per address; StoreUnavailable
    with the reason in one line (connection refused, authentication failed, database
    missing, unknown host, no answer) when that fails. Nothing for SQLite."""
    if not is_postgres(url):
        return
    try:
        psycopg.connect(postgres_conninfo(url, connect_timeout=seconds)).close()
    except psycopg.Error as exc:
        raise StoreUnavailable(postgres_reason(str(exc), url, seconds)) from None


def postgres_reason(message: str, url: str, seconds: int = PROBE_SECONDS) -> str:
    """libpq's message for a failed connection in one line: what went wrong first, the
    server's words after (never the password: libpq does not repeat it)."""
    params = _postgres_params(url)
    where = f"{params['host']}:{params['port']}"
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    text = " ".join(lines)
    lowered = text.lower()
    if "password authentication failed" in lowered or "authentication failed" in lowered:
        return f"authentication failed for user {params['user']!r} at {where}"
    if "does not exist" in lowered and "database" in lowered:
        return f"database {params['dbname']!r} does not exist at {where}"
    if "role" in lowered and "does not exist" in lowered:
        return f"authentication failed: role {params['user']!r} does not exist at {where}"
    if "connection refused" in lowered:
        return f"connection refused at {where} (is PostgreSQL running there?)"
    if "resolve host" in lowered or "could not translate host name" in lowered:
        return f"unknown host {params['host']!r}"
    if "timeout expired" in lowered or "timed out" in lowered:
        return f"no answer from {where} within {seconds} s"
    # Anything else: the server's or libpq's own words, without libpq's preamble.
    for line in lines:
        if "FATAL:" in line:
            return f"{line.split('FATAL:', 1)[1].strip()} at {where}"
    said = re.sub(r"^.*?port \d+ failed: ", "", lines[-1]) if lines else "cannot connect"
    return f"{said} at {where}"


def store_environment(url: str, *, cache_size: int = 0) -> dict[str, str]:
    """eventsourcing's environment for a POTRACK_STORE_URL; ValueError for another scheme."""
    parsed = urlparse(url)
    env: dict[str, str] = {}
    if cache_size:
        # Optimistic concurrency guards a stale cache: a conflict evicts and retries.
        env |= {
            "AGGREGATE_CACHE_MAXSIZE": str(cache_size),
            "AGGREGATE_CACHE_FASTFORWARD": "n",
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
        }
    if parsed.scheme == "sqlite":
        return env | {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": sqlite_path(url),
            "SQLITE_LOCK_TIMEOUT": "30",
            "PROCESS_RECORDER_TOPIC": SQLITE_RECORDER,
        }
    if is_postgres(url):
        return env | {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parsed.path.lstrip("/")),
            "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parsed.port or 5432),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_LOCK_TIMEOUT": "30",
            "PROCESS_RECORDER_TOPIC": POSTGRES_RECORDER,
        }
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///PATH or postgresql://...")
