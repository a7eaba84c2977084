"""The `potrack` command line: output and exit code of each command, on a real SQLite store."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from projections.runner import Runner
from projections.views.audit import AuditProjection
from projections.views.status import StatusProjection
from services.cli import app
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import PO, acked, approved, cancelled, delivered, sent

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    facts = [approved(time=0), sent("S1", time=1), delivered("S1", time=2), acked("S1", time=30)]
    store.record(facts, {}, "g")
    for projection in (StatusProjection(), AuditProjection()):
        Runner(projection, store, db).step()
    store.close()
    db.close()
    return {"POTRACK_STORE_URL": url, "POTRACK_LOG_LEVEL": "WARNING"}


def test_status_json_prints_the_view(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["status", PO, "--json"], env=env)
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["po_number"] == PO
    assert view["status"] == "acknowledged"
    assert view["version"] == 4
    assert {"recipients", "stale_acknowledgments", "overdue", "updated_at"} <= set(view)


def test_status_for_a_person_shows_the_status_and_recipients(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["status", PO], env=env)
    assert result.exit_code == 0
    assert "acknowledged" in result.stdout
    assert "S1" in result.stdout


def test_status_for_a_person_shows_the_anomalies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store = EventStore(url)
    late = acked("S1", time=600, id="855-7")
    store.record([approved(time=0), late, cancelled(time=60)], {}, "g")
    store.close()

    result = runner.invoke(app, ["status", PO], env={"POTRACK_STORE_URL": url})

    assert result.exit_code == 0, result.output
    assert "anomaly" in result.stdout
    assert "855-7" in result.stdout
    assert "dated after the PO was cancelled" in result.stdout


def test_status_of_an_unknown_po_exits_1_with_a_message_on_stderr(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["status", "PO-NOPE", "--json"], env=env)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "unknown PO 'PO-NOPE'" in result.stderr


def test_status_as_of_shows_the_past(env: dict[str, str]) -> None:
    first = approved(time=0).time.isoformat()
    result = runner.invoke(app, ["status", PO, "--json", "--as-of", first], env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["version"] == 1


def test_a_time_without_offset_is_a_usage_error(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["status", PO, "--as-of", "2026-01-01T00:00:00"], env=env)
    assert result.exit_code == 2
    assert "offset" in result.stderr


def test_audit_verify_passes_on_an_intact_chain(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["audit", PO, "--verify"], env=env)
    assert result.exit_code == 0
    assert "verified: 4 linked entries" in result.stderr


def test_audit_csv_has_a_header_and_a_row_per_event(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["audit", PO, "--format", "csv"], env=env)
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("seq,")
    assert len(lines) == 5


def test_audit_table_lists_every_event(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["audit", PO], env=env)
    assert result.exit_code == 0
    assert "po.acknowledged" in result.stdout


def test_audit_of_an_unknown_po_exits_1(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["audit", "PO-NOPE"], env=env)
    assert result.exit_code == 1
    assert "no audit trail" in result.stderr


def test_replay_rebuilds_and_reports_the_rate(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["replay", "status", "audit"], env=env)
    assert result.exit_code == 0, result.stderr
    assert "status: 4 events" in result.stdout
    assert "events/s" in result.stdout


def test_replay_as_of_prints_past_views_as_json_lines(env: dict[str, str]) -> None:
    when = datetime(2030, 1, 1, tzinfo=UTC).isoformat()
    result = runner.invoke(app, ["replay", "--as-of", when], env=env)
    assert result.exit_code == 0
    views = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["po_number"] for v in views] == [PO]


def test_replay_of_an_unknown_projection_is_a_usage_error(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["replay", "nonsense"], env=env)
    assert result.exit_code == 2
    assert "unknown projection(s) nonsense" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["replay", "--po", PO], "--po goes with --as-of"),
        (["replay", "status", "--as-of", "2030-01-01T00:00:00Z"], "takes no projection names"),
    ],
)
def test_replay_refuses_options_that_do_not_go_together(
    env: dict[str, str], args: list[str], says: str
) -> None:
    result = runner.invoke(app, args, env=env)

    assert result.exit_code == 2
    assert says in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "instant",
    ["2026-W47-5T10:00:00Z", "20261120T100000Z", "2026-11-20T10Z", "9999-12-31T23:59:59-01:00"],
)
def test_as_of_takes_the_same_rfc_3339_instants_as_the_api(
    env: dict[str, str], instant: str
) -> None:
    result = runner.invoke(app, ["status", PO, "--json", "--as-of", instant], env=env)

    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--as-of" in result.stderr


def test_as_of_accepts_a_lower_case_z_and_any_fraction(env: dict[str, str]) -> None:
    for instant in ("2030-01-01t00:00:00z", "2030-01-01T00:00:00.123456789Z"):
        result = runner.invoke(app, ["status", PO, "--json", "--as-of", instant], env=env)
        assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("policy", "says"),
    [
        ("acknowledgment_hours = = 4", "not TOML"),
        ("acknowledgment_hours = inf", "acknowledgment_hours"),
        ("[delivery_minutes]\nemail = nan", "delivery_minutes.email"),
        ("[delivery_minutes]\nemail = 1e30", "delivery_minutes.email"),
        ("[suppliers.S]\ndelivery_minutes = { email = 0 }", "suppliers.S.delivery_minutes.email"),
        ("acknowledgment_hours = -1", "greater than 0"),
    ],
)
@pytest.mark.parametrize("command", [["status", PO, "--as-of", "2030-01-01T00:00:00Z"], ["api"]])
def test_a_bad_sla_policy_is_one_line_and_exit_2(
    env: dict[str, str], tmp_path: Path, policy: str, says: str, command: list[str]
) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(policy)

    result = runner.invoke(app, command, env=env | {"POTRACK_SLA_FILE": str(path)})

    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert says in result.stderr


def test_schemas_check_passes_when_generated_files_are_current() -> None:
    result = runner.invoke(app, ["schemas", "--check"])
    assert result.exit_code == 0, result.output


def test_simulate_with_an_unreachable_broker_is_one_clear_line() -> None:
    env = {"POTRACK_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "POTRACK_LOG_LEVEL": "ERROR"}
    result = runner.invoke(app, ["simulate", "--count", "5", "--rate", "0"], env=env)
    assert result.exit_code == 1
    assert "cannot reach Kafka at 127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.output


def test_an_unreachable_store_is_one_clear_line() -> None:
    env = {"POTRACK_STORE_URL": "postgresql://potrack:pw@127.0.0.1:1/potrack"}
    result = runner.invoke(app, ["status", PO], env=env)
    assert result.exit_code == 1
    assert "cannot open the event store postgresql://127.0.0.1:1/potrack" in result.stderr
    assert "pw" not in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_store_url_is_one_clear_line() -> None:
    result = runner.invoke(app, ["status", PO], env={"POTRACK_STORE_URL": "mysql://x/y"})
    assert result.exit_code == 2
    assert "POTRACK_STORE_URL='mysql://x/y': unsupported scheme 'mysql'" in result.stderr


def test_help_shows_every_command_with_examples() -> None:
    result = runner.invoke(app, ["--help"])
    for command in (
        "run",
        "ingest",
        "project",
        "api",
        "replay",
        "status",
        "audit",
        "simulate",
        "schemas",
    ):
        assert command in result.stdout
    assert "Example" in runner.invoke(app, ["status", "--help"]).stdout
