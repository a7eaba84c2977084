"""Benchmark infrastructure: the same real Kafka and PostgreSQL the tests use."""

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql


async def delete_topics(bootstrap: str, prefixes: list[str]) -> list[str]:
    """Delete every topic named with one of `prefixes` (the benchmarks' own); their names."""
    from tests.conftest import delete_topics_with_prefix

    return await delete_topics_with_prefix(bootstrap, prefixes)


def kafka_bootstrap() -> str:
    return os.environ.get("POTRACK_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """$POTRACK_TEST_POSTGRES_URL, else a throwaway local cluster (as the tests start it)."""
    if url := os.environ.get("POTRACK_TEST_POSTGRES_URL"):
        yield url
        return
    from tests.conftest import _local_postgres

    yield from _local_postgres()


def fresh_database(server: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def fresh_sqlite(workdir: Path) -> str:
    return f"sqlite:///{workdir / uuid.uuid4().hex[:8]}.sqlite"
