"""Shared test infrastructure: real Kafka and PostgreSQL, never mocks, never silent skips."""

import asyncio
import concurrent.futures
import contextlib
import functools
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from psycopg import sql
from pytest_postgresql.executors import PostgreSQLExecutor

ROOT = Path(__file__).resolve().parents[1]
KAFKA_SH = ROOT / "services" / "broker" / "kafka.sh"
PG_GLOB = "/usr/lib/postgresql/*/bin/pg_ctl"  # where Debian's postgresql package puts it
PG_USER = "postgres"  # the unprivileged account that runs the server when we are root
PG_WORKDIR_PREFIX = "potrack-pg-"

TopicFactory = Callable[..., Awaitable[str]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration/ needs real infrastructure."""
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.integration)


@functools.cache
def docker_engine_answers() -> bool:
    """True only when a Docker engine (not just the docker client) responds to a ping."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


# --- Kafka -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address: $POTRACK_TEST_KAFKA_BOOTSTRAP, else Docker, else the local assembly."""
    if address := os.environ.get("POTRACK_TEST_KAFKA_BOOTSTRAP"):
        yield address
    elif docker_engine_answers():
        from testcontainers.kafka import KafkaContainer  # moves to .community in 4.14+

        with KafkaContainer().with_kraft().with_env("KAFKA_NUM_PARTITIONS", "3") as kafka:
            yield kafka.get_bootstrap_server()
    else:
        yield _start_local_kafka()


def _start_local_kafka() -> str:
    # kafka.sh start is idempotent and fetches the jars when missing; the broker is left running
    # for the next session (`make kafka-down` stops it).
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"no Kafka: set POTRACK_TEST_KAFKA_BOOTSTRAP, start Docker or install {tool}"
            )
    env = {**os.environ, "PYTHON": sys.executable}
    run = subprocess.run(
        ["bash", str(KAFKA_SH), "start"], env=env, capture_output=True, text=True, timeout=600
    )
    if run.returncode != 0:
        pytest.fail(f"local Kafka failed to start ({KAFKA_SH.name} start):\n{run.stderr}")
    return f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}"


def new_topic_prefix() -> str:
    """A unique prefix for a test's topics and consumer groups: 't<hex>.'. Every topic potrack
    names itself has a prefix (`POTRACK_TOPIC_PREFIX`), so `make run` (no prefix) never
    reads a test's topics, nor a test those of `make run`."""
    return f"t{uuid.uuid4().hex[:12]}."


async def delete_topics_with_prefix(bootstrap: str, prefixes: Collection[str]) -> list[str]:
    """Delete every topic whose name starts with one of `prefixes`; returns their names.
    Raises what the admin client raises (the broker away)."""
    if not prefixes:
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        doomed = sorted(t for t in await admin.list_topics() if t.startswith(tuple(prefixes)))
        for start in range(0, len(doomed), 100):
            await admin.delete_topics(doomed[start : start + 100], timeout_ms=60_000)
        return doomed
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def test_topic_prefixes(kafka_bootstrap: str) -> Iterator[set[str]]:
    """The topic prefixes this session's tests used (add to it); at the end of the session
    every topic named with one is deleted, so the broker, which `make test` leaves running
    for `make run`, keeps none of them. (Consumer groups need no deletion: the broker drops
    a group's offsets of a deleted topic, and then the empty group.)"""
    prefixes: set[str] = set()
    yield prefixes
    # In a thread of its own: asyncio.run would replace this thread's event loop, which
    # pytest-asyncio may still tear down.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, delete_topics_with_prefix(kafka_bootstrap, prefixes)).result()


@pytest.fixture
def topic_prefix(test_topic_prefixes: set[str]) -> str:
    """A unique prefix for per-test topics (and consumer groups): 't<hex>.'; its topics are
    deleted at the end of the session."""
    prefix = new_topic_prefix()
    test_topic_prefixes.add(prefix)
    return prefix


@pytest.fixture
async def kafka_topic_factory(
    kafka_bootstrap: str, topic_prefix: str
) -> AsyncIterator[TopicFactory]:
    """`await create("name", partitions=3)` makes '<prefix>name' and deletes it afterwards."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    created: list[str] = []

    async def create(name: str, partitions: int = 3) -> str:
        topic = f"{topic_prefix}{name}"
        await admin.create_topics([NewTopic(topic, partitions, replication_factor=1)])
        created.append(topic)
        return topic

    try:
        yield create
    finally:
        if created:
            with contextlib.suppress(Exception):
                await admin.delete_topics(created)
        await admin.close()


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a server we may create databases on: env, else Docker, else local binaries."""
    if url := os.environ.get("POTRACK_TEST_POSTGRES_URL"):
        yield url
    elif docker_engine_answers():
        from testcontainers.postgres import PostgresContainer  # moves to .community in 4.14+

        with PostgresContainer("postgres:16", driver=None) as pg:
            yield pg.get_connection_url()
    else:
        yield from _local_postgres()


def _find_pg_ctl() -> str:
    found = shutil.which("pg_ctl") or max(glob.glob(PG_GLOB), default=None, key=_pg_version)
    if found is None:
        pytest.fail(
            "no PostgreSQL: set POTRACK_TEST_POSTGRES_URL, run Docker, or install the server "
            "binaries (Debian: apt-get install postgresql)"
        )
    return found


def _pg_version(path: str) -> int:
    major = Path(path).parts[-3]
    return int(major) if major.isdigit() else 0


def _local_postgres() -> Iterator[str]:
    # A throwaway cluster per session in a fresh temp dir, run by pytest-postgresql's executor.
    # PostgreSQL refuses to run as root (CI and this project's machines run as root), so as root
    # pg_ctl goes through a wrapper that drops to the unprivileged `postgres` account (created by
    # Debian's postgresql package) via runuser; the work dir is handed to that account. As a
    # normal user pg_ctl runs directly. Same code path, no system service, no sudo prompt.
    pg_ctl = _find_pg_ctl()
    account = _pg_account()
    _reap_orphans(pg_ctl)
    workdir = Path(tempfile.mkdtemp(prefix=PG_WORKDIR_PREFIX))
    (workdir / "owner.pid").write_text(str(os.getpid()))
    if account is not None:
        os.chown(workdir, account.pw_uid, account.pw_gid)
        wrapper = workdir / "pg_ctl"
        wrapper.write_text(
            f'#!/bin/sh\ncd "{workdir}" && exec runuser -u {PG_USER} -- "{pg_ctl}" "$@"\n'
        )
        wrapper.chmod(0o755)
        pg_ctl = str(wrapper)
    server = PostgreSQLExecutor(
        executable=pg_ctl,
        host="127.0.0.1",
        port=_free_port(),
        datadir=str(workdir / "data"),
        unixsocketdir=str(workdir),
        logfile=str(workdir / "postgresql.log"),
        startparams="-w",
        dbname="postgres",
        user="postgres",
    )
    try:
        server.start()
    except Exception as exc:
        log = workdir / "postgresql.log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.fail(f"local PostgreSQL failed to start with {pg_ctl}: {exc}\n{tail}")
    # Trust auth: the password is ignored, but every URL has the same user:pw@ shape.
    url = f"postgresql://postgres:postgres@127.0.0.1:{server.port}/postgres"
    try:
        _wait_until_accepting(url)
        yield url
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _pg_account() -> pwd.struct_passwd | None:
    """The account to run PostgreSQL as when we are root; None when we may run it ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(PG_USER)
    except KeyError:
        pytest.fail(f"running as root needs a '{PG_USER}' user to run PostgreSQL as")


def _reap_orphans(pg_ctl: str) -> None:
    """Stop clusters whose session was killed before its teardown ran (pg_ctl daemonizes)."""
    for workdir in Path(tempfile.gettempdir()).glob(f"{PG_WORKDIR_PREFIX}*"):
        try:
            os.kill(int((workdir / "owner.pid").read_text()), 0)
            continue  # its session is alive
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue  # not ours to judge: unreadable, or alive under another user
        ctl = workdir / "pg_ctl" if (workdir / "pg_ctl").exists() else Path(pg_ctl)
        stop = [str(ctl), "stop", "-D", str(workdir / "data"), "-m", "immediate"]
        subprocess.run(stop, capture_output=True, timeout=60, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_until_accepting(url: str, seconds: float = 60) -> None:
    # pg_ctl -w can return while the server still answers "the database system is starting
    # up" (seen on a loaded 2-core machine): wait for a real connection.
    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(url, connect_timeout=5).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """URL of a fresh, empty database on `postgres_server`, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(postgres_server)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
