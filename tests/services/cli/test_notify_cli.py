"""`potrack notify` and `potrack run` refuse a bad rules file with one line and exit 2."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["notify", "run"])
def test_a_bad_rules_file_is_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    path = tmp_path / "notify.toml"
    path.write_text('[[rule]]\nkinds = ["late"]\ntargets = ["json://127.0.0.1:9/hook"]\n')
    env = {
        "POTRACK_NOTIFY_FILE": str(path),
        "POTRACK_STORE_URL": f"sqlite:///{tmp_path}/potrack.sqlite",
    }

    result = runner.invoke(app, [command], env=env)

    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"notification rules {path}: rule 1: kinds: 'late' is not allowed" in result.stderr


def test_a_missing_rules_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {"POTRACK_NOTIFY_FILE": str(tmp_path / "nowhere.toml")}

    result = runner.invoke(app, ["notify"], env=env)

    assert result.exit_code == 2
    assert "cannot read it" in result.stderr
