"""`potrack portal-link PO RECIPIENT`: the link of a supplier recipient, one line and exit 1
for what has no link, exit 2 without a secret."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.portal.links import verify
from services.store.events import EventStore
from tests.factories import approved, revised

SECRET = "cli-portal-secret-0123456789abcdef"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store = EventStore(url)
    store.record(
        [approved(["S1"], ["AP"], po="PO-7"), revised(2, ["S1"], po="PO-7", time=60)], {}, "g"
    )
    store.close()
    return {
        "POTRACK_STORE_URL": url,
        "POTRACK_PORTAL_SECRET": SECRET,
        "POTRACK_PUBLIC_URL": "https://potrack.example.com",
        "POTRACK_PORTAL_LINK_DAYS": "7",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["portal-link", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_it_prints_the_link_of_the_current_revision_or_the_one_asked_for(
    env: dict[str, str],
) -> None:
    code, out, _ = run(env, "PO-7", "S1")
    assert code == 0
    url, validity = out.splitlines()
    assert url.startswith("https://potrack.example.com/portal/")
    claim = verify(SECRET, url.rsplit("/", 1)[1], now=datetime.now(UTC), days=7)
    assert (claim.po_number, claim.revision, claim.recipient) == ("PO-7", 2, "S1")
    assert validity.startswith("revision 2, valid until ")

    code, out, _ = run(env, "PO-7", "S1", "--revision", "1", "--json")
    found = json.loads(out)
    assert code == 0 and found["revision"] == 1 and found["recipient"] == "S1"
    expires = datetime.fromisoformat(found["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["PO-NOPE", "S1"], "unknown PO 'PO-NOPE': no event recorded for it"),
        (["PO-7", "AP", "--revision", "1"], "'AP' is an internal recipient of PO 'PO-7'"),
        (["PO-7", "S9"], "PO 'PO-7' revision 2 has no recipient 'S9' (it has S1)"),
        (["PO-7", "S1", "--revision", "3"], "PO 'PO-7' has no revision 3"),
    ],
)
def test_what_has_no_link_is_one_line_and_exit_1(
    env: dict[str, str], args: list[str], says: str
) -> None:
    code, out, err = run(env, *args)
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1 and says in err


def test_without_a_secret_it_exits_2_with_one_line(env: dict[str, str]) -> None:
    code, _, err = run(env | {"POTRACK_PORTAL_SECRET": ""}, "PO-7", "S1")
    assert code == 2
    assert (
        err.strip()
        == "error: POTRACK_PORTAL_SECRET is not set: the portal is off, so there is no link"
    )


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        (
            "POTRACK_PORTAL_RATE_LIMIT",
            "lots",
            "POTRACK_PORTAL_RATE_LIMIT='lots': expected N/period",
        ),
        ("POTRACK_PORTAL_RATE_LIMIT", "0/minute", "N at least 1"),
        (
            "POTRACK_PORTAL_LINK_DAYS",
            "0",
            "POTRACK_PORTAL_LINK_DAYS='0': expected an integer from 1",
        ),
    ],
)
def test_a_bad_portal_setting_is_one_line_and_exit_2(
    env: dict[str, str], variable: str, value: str, says: str
) -> None:
    code, _, err = run(env | {variable: value}, "PO-7", "S1")
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    assert SECRET not in err
