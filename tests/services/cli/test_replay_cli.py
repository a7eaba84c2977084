"""`potrack replay` while `potrack project` runs on the same store: the rebuild shares the
batches with the running worker (no ConcurrentProjectionError traceback), ends where the
log ends, leaves the same views and publishes nothing that was published before."""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from services.cli import app
from services.store.events import EventStore
from tests.services.store.test_shared_rebuild import history

ROOT = Path(__file__).resolve().parents[3]
POS = 300  # 1200 notifications: 60 batches of 20


def table(path: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def positions(path: Path) -> dict[object, object]:
    try:
        return dict(table(path, "SELECT name, position FROM projection_positions"))
    except sqlite3.OperationalError:  # the worker has not made its tables yet
        return {}


def test_replay_while_a_worker_projects_shares_the_work_and_republishes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "potrack.sqlite"
    store = EventStore(f"sqlite:///{path}")
    store.record(history(POS), {}, "g")
    store.close()
    env = {
        **os.environ,
        "POTRACK_STORE_URL": str(path),  # a plain path
        # No broker: the outbox keeps every record queued, so the test can count them.
        "POTRACK_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "POTRACK_PROJECTION_BATCH_SIZE": "20",
        "POTRACK_PROJECTION_POLL_SECONDS": "0.05",
        "POTRACK_LOG_FORMAT": "json",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "project", "status", "alerts"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 60
        while positions(path) != {"status": POS * 4, "alerts": POS * 4}:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, positions(path)
            time.sleep(0.1)
        views = table(path, "SELECT po_number, view FROM po_status ORDER BY po_number")
        queued = table(path, "SELECT COUNT(*) FROM outbox")

        result = CliRunner().invoke(app, ["replay", "status", "alerts"], env=env)

        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        assert f"status: {POS * 4} events" in result.stdout
        assert f"alerts: {POS * 4} events" in result.stdout
        assert worker.poll() is None  # the worker goes on
        time.sleep(0.3)  # a few more polls of the worker: nothing left to do
        assert positions(path) == {"status": POS * 4, "alerts": POS * 4}
        assert table(path, "SELECT po_number, view FROM po_status ORDER BY po_number") == views
        assert table(path, "SELECT COUNT(*) FROM outbox") == queued
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    text = log.read_text()
    assert code == 0, text
    assert "projection step failed" not in text
    assert "Traceback" not in text


def test_replay_under_another_sla_policy_than_the_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "potrack.sqlite"
    store = EventStore(f"sqlite:///{path}")
    store.record(history(2), {}, "g")
    store.close()
    env = {"POTRACK_STORE_URL": str(path)}
    assert CliRunner().invoke(app, ["replay", "status"], env=env).exit_code == 0
    policy = tmp_path / "sla.toml"
    policy.write_text("acknowledgment_hours = 4\n")

    result = CliRunner().invoke(
        app, ["replay", "status"], env=env | {"POTRACK_SLA_FILE": str(policy)}
    )

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: status: its rows were made under another SLA policy")
