"""A clean start (issue 11): `potrack api` and `potrack run` that cannot listen on their
address say so in one line, exit 1, before opening anything (uvicorn would say it only
after the other services had started, with a 60-line traceback and exit 3)."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app

runner = CliRunner()


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.mark.parametrize("command", ["api", "run"])
def test_an_api_port_in_use_is_one_line_and_exit_1(
    command: str, taken_port: int, tmp_path: Path
) -> None:
    store = tmp_path / "store" / "potrack.sqlite"
    env = {
        "POTRACK_API_PORT": str(taken_port),
        "POTRACK_STORE_URL": f"sqlite:///{store}",
        "POTRACK_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
    }
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    result = runner.invoke(app, [command], env=env)

    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: cannot serve the API on 127.0.0.1:{taken_port}: Address already in use "
        "(POTRACK_API_HOST, POTRACK_API_PORT)"
    ]
    assert not store.parent.exists()  # nothing was opened
    # The command's signal handlers (services.runtime) end with it.
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_ctrl_c_while_the_command_loads_is_one_line(tmp_path: Path) -> None:
    # Before the command's own handlers are in place (modules still loading, settings
    # read): one line, no KeyboardInterrupt traceback.
    env = {
        **os.environ,
        "POTRACK_STORE_URL": f"sqlite:///{tmp_path}/potrack.sqlite",
        "POTRACK_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "ingest"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        # Started as a foreground command is: SIGINT not ignored (a background job's is).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(0.15)  # well before its modules have loaded
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=20)

    assert "Traceback" not in stderr, stderr
    assert proc.returncode in (0, 130), stderr
    said = [line for line in stderr.splitlines() if line.startswith("potrack:")]
    assert said and "while starting" in said[0], stderr
