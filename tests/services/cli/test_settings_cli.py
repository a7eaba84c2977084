"""Bad settings: one line per bad variable (its name, the value given, what it takes) and
exit 2, for every command that reads the settings, long-running ones included."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()

# Every command and arguments that get it as far as reading the settings. Long-running
# ones run as processes: they own the process's signals.
SHORT = {
    "status": ["status", "PO-1"],
    "audit": ["audit", "PO-1"],
    "replay": ["replay"],
    "forecast": ["forecast"],
    "translate": ["translate", "any.x12"],
    "simulate": ["simulate", "--count", "1"],
    "portal-link": ["portal-link", "PO-1", "S1"],
}
LONG = {"run", "ingest", "gateway", "project", "notify", "api"}
NO_SETTINGS = {"schemas"}  # writes files of the repository only


def one_error(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("error: "), text
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("POTRACK_API_PORT", "abc", "POTRACK_API_PORT='abc': expected an integer from 0 to 65535"),
        ("POTRACK_API_PORT", "70000", "POTRACK_API_PORT='70000': expected an integer from 0"),
        (  # a timer of infinity never fires, a huge one overflows: both refused up front
            "POTRACK_CORRELATION_WINDOW_SECONDS",
            "inf",
            "POTRACK_CORRELATION_WINDOW_SECONDS='inf': expected a number above 0, at most",
        ),
        ("POTRACK_ALERT_CLOCK_SECONDS", "1e300", "POTRACK_ALERT_CLOCK_SECONDS='1e300'"),
        ("POTRACK_PROJECTION_POLL_SECONDS", "nan", "POTRACK_PROJECTION_POLL_SECONDS='nan'"),
        (
            "POTRACK_LOG_LEVEL",
            "LOUD",
            "POTRACK_LOG_LEVEL='LOUD': expected one of CRITICAL, ERROR, WARNING, INFO, DEBUG",
        ),
        (
            "POTRACK_LOG_FORMAT",
            "xml",
            "POTRACK_LOG_FORMAT='xml': expected one of auto, json, console",
        ),
        ("POTRACK_BATCH_MAX_RECORDS", "0", "POTRACK_BATCH_MAX_RECORDS='0': expected an integer of"),
        (
            "POTRACK_OUTBOX_TRANSACTIONAL_ID",
            "a b",
            "POTRACK_OUTBOX_TRANSACTIONAL_ID='a b': expected a name of letters, digits",
        ),
        (
            "POTRACK_ALERT_CHECKPOINT_WATERMARKS",
            "-1",
            "POTRACK_ALERT_CHECKPOINT_WATERMARKS='-1': expected an integer from 0",
        ),
        (
            "POTRACK_ALERT_CLOCK_SECONDS",
            "-2",
            "POTRACK_ALERT_CLOCK_SECONDS='-2': expected a number",
        ),
        (
            "POTRACK_STORE_URL",
            "mysql://u:s3cret@db/x",
            "POTRACK_STORE_URL='mysql://db/x': unsupported",
        ),
        (
            "POTRACK_STORE_URL",
            "postgresql://u:s3cret@db:five/x",
            "POTRACK_STORE_URL='postgresql://db",
        ),
        ("POTRACK_KAFKA_BOOTSTRAP_SERVERS", "host:port", "expected host:port, comma-separated"),
        ("POTRACK_TOPIC_PREFIX", "a/b", "POTRACK_TOPIC_PREFIX='a/b': expected letters, digits"),
        ("POTRACK_PUBLIC_URL", "potrack.example.com", "expected an http:// or https:// URL"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(
    variable: str, value: str, says: str
) -> None:
    result = runner.invoke(app, ["status", "PO-1"], env={variable: value})

    assert result.exit_code == 2
    assert says in one_error(result.stderr)
    assert "s3cret" not in result.output  # a password is never shown


def test_two_bad_settings_are_two_lines() -> None:
    env = {"POTRACK_API_PORT": "abc", "POTRACK_LOG_LEVEL": "loud"}
    result = runner.invoke(app, ["status", "PO-1"], env=env)

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "POTRACK_LOG_LEVEL='loud'" in result.stderr  # the value as typed


def test_levels_and_formats_are_taken_in_any_case() -> None:
    settings = Settings(log_level="warning", log_format="JSON")  # type: ignore[arg-type]
    assert (settings.log_level, settings.log_format) == ("WARNING", "json")


def test_every_command_is_covered_here() -> None:
    names = {command.name or command.callback.__name__ for command in app.registered_commands}  # type: ignore[union-attr]
    assert names == set(SHORT) | set(LONG) | NO_SETTINGS


def test_every_command_module_reads_the_settings_through_the_common_helper() -> None:
    for path in (ROOT / "services" / "cli").glob("*.py"):
        if path.name != "common.py":
            assert not re.search(r"\bSettings\(", path.read_text()), path


@pytest.mark.parametrize("command", SHORT.values(), ids=list(SHORT))
def test_every_command_refuses_a_bad_setting_in_one_line(command: list[str]) -> None:
    result = runner.invoke(app, command, env={"POTRACK_API_PORT": "abc"})

    assert result.exit_code == 2, result.output
    assert "POTRACK_API_PORT='abc'" in one_error(result.stderr)


def test_every_long_running_command_reads_the_settings_first_through_the_helper() -> None:
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        if name in LONG:
            assert "s = settings()" in inspect.getsource(command.callback), name  # type: ignore[arg-type]


def test_potrack_run_refuses_a_bad_setting_in_one_line() -> None:
    # A real process (it owns its signals) of the command that composes every service.
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "run"],
        env={"POTRACK_LOG_LEVEL": "LOUD", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2, done.stderr
    assert "POTRACK_LOG_LEVEL='LOUD': expected one of" in one_error(done.stderr)
    assert done.stdout == ""
