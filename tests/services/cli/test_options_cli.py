"""Options: flags read as flags in `--help`, and options that only make sense together
are refused with one line and exit 2."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app

runner = CliRunner()


def test_status_help_shows_json_as_a_flag() -> None:
    result = runner.invoke(app, ["status", "--help"], env={"COLUMNS": "100"})

    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "--json" in line)
    assert "<bool>" not in line
    assert "<str>" in next(line for line in result.stdout.splitlines() if "--as-of" in line)


def test_no_command_shows_a_flag_as_taking_a_value() -> None:
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, name
        assert "<bool>" not in result.stdout, name


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--write-sla", "{tmp}/a.toml", "--write-notify", "{tmp}/b.toml"],
            "--write-notify and --write-sla do not go together",
        ),
        (
            ["--write-partners", "{tmp}/p.toml", "--count", "5"],
            "--write-partners writes a file and exits: --count would do nothing",
        ),
        (["--mail-port", "2526"], "--mail-port goes with --write-notify"),
        (["--days", "3"], "--days goes with --mode historical"),
        (["--mode", "later"], "unknown mode 'later'"),
    ],
)
def test_simulate_refuses_options_that_do_not_go_together(
    tmp_path: Path, args: list[str], says: str
) -> None:
    result = runner.invoke(app, ["simulate", *(a.format(tmp=tmp_path) for a in args)])

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {says}")
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_forecast_refuses_json_with_csv() -> None:
    result = runner.invoke(app, ["forecast", "--json", "--csv"])

    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --json and --csv do not go together: choose one"
