"""What a newcomer and an operator meet (issue 11), on one real `potrack run` over a
simulated store: the README's two-minute tour runs as written with nothing but curl and
the virtualenv, and the service's log has one summary line per period, not a line per
routine batch."""

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.heartbeat import ROUTINE_ITEMS, SLOW_SECONDS
from tests.conftest import new_topic_prefix
from tests.integration.kit import ROOT, potrack, potrack_env, run_cli, wait_for
from tests.integration.test_views_agree import free_port, settled
from tests.test_readme_tour import tour_commands

# The per-batch lines and the field that says how big the batch was.
BATCH_LINES = {
    "batch recorded": "records",
    "projection batch": "applied",
    "gateway batch": "documents",
    "notify batch": "alerts",
}
TOOLS = ("curl", "date", "ls", "head", "cat")  # what the tour may use besides the venv


@dataclass
class Service:
    home: Path  # the tour's working directory: .venv, .cache/ and .potrack/ as `make run` has
    port: int
    log: Path
    live_from: int  # the log's size when live traffic started


def lines(path: Path, start: int = 0) -> list[dict[str, Any]]:
    with path.open("rb") as f:
        f.seek(start)
        text = f.read().decode()
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def heads_agree(url: str, wait: float = 2.0) -> bool:
    """Settled twice, `wait` seconds apart: the gateway has nothing more for ingest."""
    if not settled(url):
        return False
    time.sleep(wait)
    return settled(url)


@pytest.fixture(scope="module")
def service(
    kafka_bootstrap: str, test_topic_prefixes: set[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("tour")
    (home / ".venv").symlink_to(ROOT / ".venv")
    cache = home / ".cache"
    prefix = new_topic_prefix()
    test_topic_prefixes.add(prefix)
    url = f"sqlite:///{home}/.potrack/potrack.sqlite"  # where the CLI looks by default
    port = free_port()
    env = potrack_env(
        kafka_bootstrap,
        url,
        prefix,
        POTRACK_API_PORT=str(port),
        POTRACK_LOG_LEVEL="DEBUG",  # to see that routine batches are logged, at DEBUG
        POTRACK_LOG_SUMMARY_SECONDS="2",
        POTRACK_SLA_FILE=str(cache / "simulated-sla.toml"),
        POTRACK_PARTNERS_FILE=str(cache / "simulated-partners.toml"),
    )
    for flag, name in (("--write-sla", "sla"), ("--write-partners", "partners")):
        assert (
            run_cli(["simulate", flag, str(cache / f"simulated-{name}.toml")], env).returncode == 0
        )
    history = ["simulate", "--mode", "historical", "--count", "600", "--rate", "0", "--days", "3"]
    done = run_cli([*history, "--seed", "11"], env)
    assert done.returncode == 0, done.stderr
    # What make run's mail sink (aiosmtpd's Mailbox) writes, for the tour's last line;
    # the notifications themselves are tested in test_notify.py.
    (cache / "mail" / "new").mkdir(parents=True)
    (cache / "mail" / "new" / "1.eml").write_text("Subject: potrack: 1 alert\n\nPO-1 is late\n")
    log = home / "run.log"
    with potrack(["run"], env, log):
        wait_for(lambda: heads_agree(url), 180, 1.0, "potrack run to take in the history")
        live_from = log.stat().st_size
        live = ["simulate", "--mode", "live", "--rate", "20", "--count", "60", "--seed", "12"]
        assert run_cli(live, env).returncode == 0
        wait_for(
            lambda: any(e["event"] == "summary" and e["events"] > 0 for e in lines(log, live_from)),
            60,
            0.5,
            "a summary line counting the live events",
        )
        yield Service(home, port, log, live_from)


def test_routine_batches_log_at_debug_and_a_summary_at_info(service: Service) -> None:
    every = lines(service.log)
    for entry in every:
        if entry["event"] in BATCH_LINES and entry["level"] == "info":
            size = entry[BATCH_LINES[entry["event"]]]
            assert size >= ROUTINE_ITEMS or entry["ms"] >= SLOW_SECONDS * 1000, entry
        assert not (entry["event"] == "document waits for its po.sent" and entry["level"] == "info")
    live = lines(service.log, service.live_from)
    routine = {e["event"] for e in live if e["event"] in BATCH_LINES and e["level"] == "debug"}
    assert {"batch recorded", "projection batch"} <= routine
    summaries = [e for e in live if e["event"] == "summary"]
    assert summaries and all(e["level"] == "info" for e in summaries)
    last = summaries[-1]
    for field in ("events_per_s", "ingest_lag", "documents", "notifications_sent"):
        assert isinstance(last[field], int | float), (field, last)
    assert set(last["projection_lag"]) >= {"status", "alerts", "audit"}
    assert isinstance(last["open_alerts"], int)
    assert sum(e["events"] for e in summaries) >= 1


def test_the_tour_runs_as_written_with_curl_and_the_venv(service: Service) -> None:
    commands = [c for c in tour_commands() if not c.startswith("make run")]
    script = "\n".join(commands).replace("localhost:8080", f"localhost:{service.port}")
    bin_dir = service.home / "bin"  # the PATH: only these tools, no jq
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found is not None, f"{tool} is not installed here"
        (bin_dir / tool).symlink_to(found)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POTRACK_")}
    env["PATH"] = str(bin_dir)
    before = {p for p in service.home.rglob("*") if ".cache" not in p.parts}
    bash = shutil.which("bash")
    assert bash is not None
    run = subprocess.run(
        [bash, "-eu", "-o", "pipefail", "-c", script + '\necho "tour: $PO $YESTERDAY"'],
        cwd=service.home,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    po, yesterday = run.stdout.splitlines()[-1].split()[1:]
    now = httpx.get(f"http://127.0.0.1:{service.port}/pos/{po}").json()
    then = httpx.get(f"http://127.0.0.1:{service.port}/pos/{po}", params={"as_of": yesterday})
    assert then.status_code == 200, "the tour's PO existed yesterday"
    assert then.json()["status"] != now["status"], "and its status changed since"
    assert f"{po} {then.json()['status']} -> {now['status']}" in run.stderr
    assert "PO-1 is late" in run.stdout  # the notification, last
    written = {p for p in service.home.rglob("*") if ".cache" not in p.parts} - before
    assert not written, f"the tour wrote outside .cache/: {sorted(map(str, written))}"
    assert (service.home / ".cache" / "yesterday.jsonl").stat().st_size > 0
