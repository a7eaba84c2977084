"""`potrack forecast` against the API on the same real store, and the deviations that
`potrack status PO` shows under a supplier's row."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.api import create_app
from services.cli import app
from tests.services.api.conftest import World, open_world
from tests.services.api.scenario import finance_book, lines_book, rfc3339

runner = CliRunner()
SPRING = ["--from", "2025-03-01", "--to", "2025-05-31"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with open_world(f"sqlite:///{tmp_path}/potrack.sqlite") as opened:
        opened.given(*finance_book(), *lines_book())
        yield opened


@pytest.fixture
def env(world: World) -> dict[str, str]:
    return {"POTRACK_STORE_URL": world.settings.store_url, "POTRACK_LOG_LEVEL": "WARNING"}


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, world.store, world.db)) as client:
        yield client


def query(args: list[str]) -> dict[str, str]:
    """The API's query parameters for the CLI's options."""
    names = {"--from": "from", "--to": "to", "--bucket": "bucket", "--currency": "currency"}
    names["--as-of"] = "as_of"
    return {names[args[i]]: args[i + 1] for i in range(0, len(args), 2)}


CASES = [
    [],
    SPRING,
    ["--bucket", "week", "--from", "2025-04-14", "--to", "2025-04-27"],
    ["--currency", "JPY"],
    ["--as-of", rfc3339(100), *SPRING],
]


@pytest.mark.parametrize("args", CASES)
def test_json_is_the_api_json(env: dict[str, str], api: TestClient, args: list[str]) -> None:
    result = runner.invoke(app, ["forecast", "--json", *args], env=env)

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == api.get("/finance/cash-forecast", params=query(args)).json()


@pytest.mark.parametrize("args", CASES)
def test_csv_is_the_api_csv(env: dict[str, str], api: TestClient, args: list[str]) -> None:
    result = runner.invoke(app, ["forecast", "--csv", *args], env=env)

    assert result.exit_code == 0, result.stderr
    expected = api.get("/finance/cash-forecast", params=query(args) | {"format": "csv"})
    assert result.stdout_bytes == expected.content  # byte for byte, CRLF line ends included


def test_the_table_shows_the_exact_amounts_per_currency(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["forecast", *SPRING], env=env)

    assert result.exit_code == 0, result.stderr
    text = result.stdout
    for title in ("EUR (2 decimals)", "JPY (0 decimals)", "KWD (3 decimals)"):
        assert title in text
    for period in (
        "2025-03-01 .. 2025-03-31",
        "2025-04-01 .. 2025-04-30",
        "2025-05-01 .. 2025-05-31",
    ):
        assert period in text
    for label in ("earlier (before 2025-03-01)", "later (after 2025-05-31)", "undated", "totals"):
        assert label in text
    jpy = text[text.index("JPY (") : text.index("KWD (")]
    assert _row(jpy, "2025-05-01") == ["0", "0", "1234567", "1234567", "1"]
    assert _row(jpy, "totals") == ["300000", "0", "1234567", "1534567", "2"]
    kwd = text[text.index("KWD (") :]
    assert _row(kwd, "2025-05-01") == ["12.500", "0.000", "0.000", "12.500", "1"]
    eur = text[: text.index("JPY (")]
    assert _row(eur, "2025-04-01") == ["0.00", "1000.50", "0.00", "1000.50", "1"]
    assert _row(eur, "undated") == ["0.00", "100.00", "0.00", "100.00", "1"]


def _row(table: str, first: str) -> list[str]:
    """The amount cells of the table row that starts with `first`."""
    line = next(ln for ln in table.splitlines() if ln.strip("│ ").startswith(first))
    return [cell.strip() for cell in line.strip().strip("│").split("│")][1:]


def test_the_table_as_of_says_so(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["forecast", "--currency", "JPY", "--as-of", rfc3339(100)], env=env)

    assert result.exit_code == 0, result.stderr
    assert "as of 2025-03-03T10:40:00+00:00" in result.stdout
    assert _row(result.stdout, "2025-04-01") == ["0", "300000", "0", "300000", "1"]


def test_nothing_to_forecast_is_said(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["forecast", "--currency", "USD"], env=env)

    assert result.exit_code == 0
    assert "no commitments to forecast" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bucket", "day"], "--bucket: unknown bucket 'day'"),
        (["--from", "2025-02-30"], "--from: not a date"),
        (["--to", "31/05/2025"], "--to: not a date"),
        (["--currency", "eur"], "--currency: not an ISO 4217 code"),
        (["--from", "2025-05-01", "--to", "2025-04-01"], "ends (2025-04-01) before it starts"),
        (["--bucket", "week", "--from", "2000-01-01", "--to", "2025-01-01"], "more than 520"),
        (["--as-of", "yesterday"], "--as-of"),
        (["--json", "--csv"], "--json and --csv"),
        (["--bucket", "week", "--from", "9999-12-27", "--to", "9999-12-31"], "is outside"),
        (["--csv", "--from", "0001-01-01", "--to", "0001-01-31"], "is outside 1970-01-01"),
        (["--as-of", rfc3339(100), "--from", "2025-05-01", "--to", "2025-04-01"], "before it"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(env: dict[str, str], args: list[str], says: str) -> None:
    result = runner.invoke(app, ["forecast", *args], env=env)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert says in result.stderr


def test_help_lists_the_forecast_with_an_example() -> None:
    assert "forecast" in runner.invoke(app, ["--help"]).stdout
    assert "Example" in runner.invoke(app, ["forecast", "--help"]).stdout


def test_status_shows_the_deviations_under_the_supplier_row(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["status", "PO-L1"], env=env)

    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())  # rich may wrap a long line
    row = text.index("S1 (supplier)")
    for says in (
        "line 2 SKU-2 changed: quantity 10 → 8 (-20.00%), unit price 2.50 → 2.75 (+10.00%); "
        "outside: quantity, unit price",
        "line 3 SKU-3 backordered: 6 backordered, need-by 2025-04-01 → promised 2025-04-15 "
        "(+14 days); outside: date",
        "line 4 SKU-4 rejected: quantity 1 → 0 (-100.00%)",
        "line 5 SKU-5 missing: quantity 2 → -",
        "line 9 unknown:",
    ):
        assert says in text
        assert text.index(says) > row
    assert "line 1 SKU-1" not in text  # accepted as ordered, on time: no deviation


def test_status_shows_the_issue_case_quantity_change(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["status", "PO-J1"], env=env)

    assert result.exit_code == 0, result.stderr
    # Only what differs is named: the price stayed, so it is not listed.
    assert "line 1 SKU-1 changed: quantity 7 → 6 (-14.29%); outside: quantity" in result.stdout


def test_status_within_tolerance_says_so(world: World, env: dict[str, str], tmp_path: Path) -> None:
    policy = tmp_path / "sla.toml"
    policy.write_text("[tolerance]\nquantity_pct = 20\n")

    result = runner.invoke(
        app,
        ["status", "PO-J1", "--as-of", rfc3339(1000)],
        env=env | {"POTRACK_SLA_FILE": str(policy)},
    )

    assert result.exit_code == 0, result.stderr
    assert "quantity 7 → 6 (-14.29%)" in result.stdout
    assert "within tolerance" in result.stdout


def test_status_json_is_still_the_view(env: dict[str, str], api: TestClient) -> None:
    result = runner.invoke(app, ["status", "PO-L1", "--json"], env=env)

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == api.get("/pos/PO-L1").json()
