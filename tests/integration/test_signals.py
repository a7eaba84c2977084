"""Issue 11: every long-running command stops within 10 s of SIGTERM or SIGINT, whatever
state it is in (`services.runtime`). `potrack ingest` and `potrack run` run as real
processes, several at a time: with the broker unreachable (retrying with backoff), with
the store unreachable (a PostgreSQL address that accepts connections and never answers,
as a firewalled server does, so the command is still opening it), and with the broker up
(normal running, a dashboard event stream open; an ingest whose SQLite store another
process holds locked, so that it is stuck in a store call; and `potrack simulate --mode
live`, the traffic of `make run`)."""

import asyncio
import contextlib
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.integration.kit import ROOT, ce, plan, potrack_env, produce, structured

STOP_BOUND = 10.0  # seconds: the bound from the signal to the exit
READY_TIMEOUT = 90.0  # seconds a process may take to reach the state under test


@dataclass
class Case:
    """One process under test: what it runs, when it is in the state to signal, how."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    sig: signal.Signals
    ready: Callable[["Case"], bool]
    proc: subprocess.Popen[bytes] | None = None
    signalled_at: float = 0.0
    code: int | None = None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def logged(*words: str) -> Callable[[Case], bool]:
    """Ready once every one of `words` is in the process's log."""
    return lambda case: all(w in case.text() for w in words)


def run_cases(cases: list[Case]) -> None:
    """Start every case, signal each once it is ready, and record its exit code when it
    exits within STOP_BOUND seconds of its signal (None when it did not)."""
    try:
        for case in cases:
            with case.log.open("ab") as out:
                case.proc = subprocess.Popen(
                    [sys.executable, "-m", "services.cli", *case.command],
                    env=case.env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=out,
                )
        deadline = time.monotonic() + READY_TIMEOUT
        waiting = list(cases)
        while waiting:
            for case in list(waiting):
                assert case.proc is not None
                assert case.proc.poll() is None, f"{case.name} ended early:\n{case.text()}"
                if case.ready(case):
                    case.proc.send_signal(case.sig)
                    case.signalled_at = time.monotonic()
                    waiting.remove(case)
            assert time.monotonic() < deadline, f"not ready: {[c.name for c in waiting]}"
            time.sleep(0.05)
        for case in cases:
            assert case.proc is not None
            left = case.signalled_at + STOP_BOUND - time.monotonic()
            try:
                case.code = case.proc.wait(timeout=max(0.0, left))
            except subprocess.TimeoutExpired:
                case.code = None
    finally:
        for case in cases:
            if case.proc is not None and case.proc.poll() is None:
                case.proc.kill()
                case.proc.wait()


def assert_stopped_cleanly(case: Case, *lines: str) -> None:
    text = case.text()
    assert case.code is not None, (
        f"{case.name} still running {STOP_BOUND:g} s after {case.sig.name}"
    )
    assert case.code == 0, f"{case.name}: exit {case.code}\n{text}"
    assert "Traceback" not in text, text
    for line in lines:
        assert line in text, f"{case.name}: no {line!r} in\n{text}"


def env_for(
    tmp_path: Path, name: str, bootstrap: str = "127.0.0.1:1", **extra: str
) -> dict[str, str]:
    """The settings of one process: its own store file, topics and groups (the prefix) and
    API port (and an unreachable broker unless `bootstrap` is given)."""
    prefix = f"t{uuid.uuid4().hex[:12]}.{name}."
    env = potrack_env(bootstrap, f"sqlite:///{tmp_path}/{name}.sqlite", prefix)
    return env | {"POTRACK_API_PORT": str(free_port()), **extra}


def test_ingest_and_run_stop_within_10_s_while_the_broker_is_unreachable(
    tmp_path: Path,
) -> None:
    retrying = logged("kafka unreachable, retrying")
    cases = [
        Case(
            "ingest",
            ["ingest"],
            env_for(tmp_path, "i"),
            tmp_path / "i.log",
            signal.SIGTERM,
            retrying,
        ),
        Case(
            "run/TERM",
            ["run"],
            env_for(tmp_path, "rt"),
            tmp_path / "rt.log",
            signal.SIGTERM,
            retrying,
        ),
        Case(
            "run/INT",
            ["run"],
            env_for(tmp_path, "ri"),
            tmp_path / "ri.log",
            signal.SIGINT,
            retrying,
        ),
    ]
    run_cases(cases)
    for case in cases:
        assert_stopped_cleanly(case, '"event": "stopping"', '"exit_code": 0')


@contextmanager
def silent_server() -> Iterator[tuple[int, threading.Event]]:
    """A TCP address that accepts connections and never says a word (a PostgreSQL server
    behind a firewall that drops its answers): its port, and an event set on the first
    connection."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            accepted.set()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        server.close()
        for conn in held:
            conn.close()


def test_ingest_and_run_stop_within_10_s_while_the_store_is_unreachable(
    tmp_path: Path,
) -> None:
    with silent_server() as (i_port, i_seen), silent_server() as (r_port, r_seen):
        # The command connects to the store only after its signal handlers are in place.
        cases = [
            Case(
                "ingest",
                ["ingest"],
                env_for(
                    tmp_path, "i", POTRACK_STORE_URL=f"postgresql://p:pw@127.0.0.1:{i_port}/db"
                ),
                tmp_path / "i.log",
                signal.SIGTERM,
                lambda _: i_seen.is_set(),
            ),
            Case(
                "run",
                ["run"],
                env_for(
                    tmp_path, "r", POTRACK_STORE_URL=f"postgresql://p:pw@127.0.0.1:{r_port}/db"
                ),
                tmp_path / "r.log",
                signal.SIGINT,
                lambda _: r_seen.is_set(),
            ),
        ]
        run_cases(cases)
    assert_stopped_cleanly(cases[0], "potrack: SIGTERM while starting: stopped")
    assert_stopped_cleanly(cases[1], "potrack: SIGINT while starting: stopped")
    for case in cases:
        assert len(case.text().strip().splitlines()) == 1, case.text()


def test_run_and_a_stuck_ingest_stop_within_10_s_with_the_broker_up(
    kafka_bootstrap: str, test_topic_prefixes: set[str], tmp_path: Path
) -> None:
    started = logged("ingest started", "gateway started", "notifier started", "api listening")
    term = Case(
        "run/TERM",
        ["run"],
        env_for(tmp_path, "rt", kafka_bootstrap),
        tmp_path / "rt.log",
        signal.SIGTERM,
        started,
    )
    streams: list[Any] = []
    with contextlib.ExitStack() as held:

        def with_a_dashboard_open(case: Case) -> bool:
            if not started(case):
                return False
            # An open dashboard holds an event stream: the API must end it, not wait on it.
            port = case.env["POTRACK_API_PORT"]
            stream = held.enter_context(
                urllib.request.urlopen(f"http://127.0.0.1:{port}/events/stream", timeout=30)
            )
            assert stream.readline().startswith(b"event: summary")
            streams.append(stream)
            return True

        intr = Case(
            "run/INT",
            ["run"],
            env_for(tmp_path, "ri", kafka_bootstrap),
            tmp_path / "ri.log",
            signal.SIGINT,
            with_a_dashboard_open,
        )
        stuck_env = env_for(tmp_path, "s", kafka_bootstrap)
        produced: list[float] = []

        def stuck_on_the_store(case: Case) -> bool:
            if produced:
                # A wait, not a measurement: time for it to take the record and block on
                # the store (if it has not, it stops cleanly, which the test accepts too).
                return time.monotonic() - produced[0] > 2.0
            if "ingest started" not in case.text():
                return False
            # Another process holds the store: an exclusive transaction on the file.
            lock = sqlite3.connect(tmp_path / "s.sqlite", isolation_level=None, timeout=30)
            lock.execute("BEGIN EXCLUSIVE")
            held.callback(lock.close)
            held.callback(lock.execute, "ROLLBACK")
            topic = f"{stuck_env['POTRACK_TOPIC_PREFIX']}po.distribution.v1"
            record = structured(topic, ce("po.approved", "PO-S1", plan(), "s1"))
            asyncio.run(produce(kafka_bootstrap, [record]))
            produced.append(time.monotonic())
            return False

        stuck = Case(
            "ingest/stuck",
            ["ingest"],
            stuck_env,
            tmp_path / "s.log",
            signal.SIGTERM,
            stuck_on_the_store,
        )
        traffic = Case(
            "simulate",
            ["simulate", "--mode", "live", "--rate", "50", "--count", "1000000"],
            env_for(tmp_path, "l", kafka_bootstrap),
            tmp_path / "l.log",
            signal.SIGINT,
            logged("simulate: 1000000 events"),
        )
        cases = [term, intr, stuck, traffic]
        test_topic_prefixes.update(c.env["POTRACK_TOPIC_PREFIX"] for c in cases)
        run_cases(cases)
        # The stream was ended, not cut: its chunked body is complete (IncompleteRead else).
        streams[0].read()
    assert_stopped_cleanly(term, '"event": "stopping"', '"exit_code": 0')
    assert_stopped_cleanly(intr, '"event": "stopping"', '"exit_code": 0')
    assert "ASGI callable returned without completing response" not in intr.text()
    assert_stopped_cleanly(traffic, '"event": "stopping"', '"exit_code": 0', "sent ")
    # Stuck in a store call: it stops cleanly if the call gives up in time, else the
    # deadline ends it with one line and the code of its signal.
    assert stuck.code is not None, f"ingest still running {STOP_BOUND:g} s after SIGTERM"
    if stuck.code != 0:
        assert stuck.code == 128 + signal.SIGTERM, stuck.text()
        assert "exiting without a clean shutdown (exit 143)" in stuck.text()
    assert "Traceback" not in stuck.text()
