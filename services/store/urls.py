"""POTRACK_STORE_URL: `sqlite:///relative/path`, `sqlite:////absolute/path` or
`postgresql://user:password@host:port/dbname`, as eventsourcing's environment."""

from pathlib import Path
from urllib.parse import unquote, urlparse

# Our recorders (services.store.events), named by topic as eventsourcing wants them.
SQLITE_RECORDER = "services.store.events:SQLiteBatchRecorder"
POSTGRES_RECORDER = "services.store.events:PostgresBatchRecorder"


def is_postgres(url: str) -> bool:
    """Whether the URL names a PostgreSQL database."""
    return urlparse(url).scheme in ("postgresql", "postgres")


def sqlite_path(url: str) -> str:
    """The file of a `sqlite:///` URL (its directory is created); ValueError otherwise."""
    parsed = urlparse(url)
    if parsed.scheme != "sqlite":
        raise ValueError(f"not a sqlite URL: {url!r}")
    path = Path(unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path))
    if str(path) not in (":memory:", "") and "mode=memory" not in url:
        path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


def postgres_conninfo(url: str, connect_timeout: int = 10) -> str:
    """A libpq connection string for a `postgresql://` URL."""
    p = urlparse(url)
    return (
        f"host={p.hostname or '127.0.0.1'} port={p.port or 5432} "
        f"dbname={unquote(p.path.lstrip('/'))} user={unquote(p.username or 'postgres')} "
        f"password={unquote(p.password or '')} connect_timeout={connect_timeout}"
    )


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
