"""`potrack translate` and `potrack gateway` on the command line: events out, one-line reasons."""

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from projections.runner import Runner
from projections.views.sent import SentProjection
from services.cli import app
from services.simulate.b2b import x12
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import approved, sent

runner = CliRunner()
PARTNERS = '[partners.KOBE]\nsupplier = "SUP-1"\nrecipient = "S1"\nx12 = ["ZZ:KOBESEIMITSU"]\n'
DATA = Path(__file__).resolve().parents[2] / "data" / "documents"


def acceptance(answers: str) -> bytes:
    env = x12.Envelope("ZZ:KOBESEIMITSU", "ZZ:BUYERCO", 7, 7, datetime(2026, 11, 2, 9, 30))
    return x12.functional_ack(env, answers, [x12.SetAck("0001", "A")])


def setup(tmp_path: Path, with_store: bool = True) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    if with_store:
        store, db = EventStore(url), ViewDB(url)
        store.record(
            [approved(time=0), sent("S1", time=60, channel="edi", message_id="41.0001")], {}, "g"
        )
        Runner(SentProjection(), store, db).step()
        store.close()
        db.close()
    partners = tmp_path / "partners.toml"
    partners.write_text(PARTNERS, encoding="utf-8")
    return {
        "POTRACK_STORE_URL": url,
        "POTRACK_PARTNERS_FILE": str(partners),
        "POTRACK_LOG_LEVEL": "WARNING",
    }


def test_translate_prints_the_events_a_document_becomes(tmp_path: Path) -> None:
    env = setup(tmp_path)
    doc = tmp_path / "997.x12"
    doc.write_bytes(acceptance("41"))

    result = runner.invoke(app, ["translate", str(doc)], env=env)

    assert result.exit_code == 0, result.output
    [event] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (event["type"], event["subject"], event["data"]["recipient"]) == (
        "po.received",
        "PO-1001",
        "S1",
    )
    assert datetime.fromisoformat(event["time"]) == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_translate_says_why_for_each_document_it_cannot_translate(tmp_path: Path) -> None:
    env = setup(tmp_path)
    unknown = tmp_path / "997-unknown.x12"
    unknown.write_bytes(acceptance("99"))
    cut = tmp_path / "cut.x12"
    cut.write_bytes(acceptance("41")[:140])
    good = tmp_path / "997.x12"
    good.write_bytes(acceptance("41"))

    result = runner.invoke(app, ["translate", str(unknown), str(cut), str(good)], env=env)

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 2
    assert f"{unknown}: answers no sent message: no po.sent with message_id 99.0001" in errors[0]
    assert f"{cut}: truncated" in errors[1]
    assert len(result.stdout.splitlines()) == 1  # the good one still printed


def test_translate_does_not_create_a_store_and_still_translates_what_names_the_po(
    tmp_path: Path,
) -> None:
    env = setup(tmp_path, with_store=False)
    sample = DATA / "x12" / "855-five-lines.x12"

    result = runner.invoke(app, ["translate", str(sample), "--partner", "KOBE"], env=env)

    assert not (tmp_path / "potrack.sqlite").exists()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["type"] == "po.acknowledged"


def test_a_bad_partners_file_or_partner_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = setup(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("[partners.X]\nsupplier = 'S'\n", encoding="utf-8")
    doc = tmp_path / "997.x12"
    doc.write_bytes(acceptance("41"))

    broken = runner.invoke(
        app, ["translate", str(doc)], env=env | {"POTRACK_PARTNERS_FILE": str(bad)}
    )
    unknown = runner.invoke(app, ["translate", str(doc), "--partner", "NOPE"], env=env)
    gateway = runner.invoke(app, ["gateway"], env=env | {"POTRACK_PARTNERS_FILE": str(bad)})

    for result in (broken, unknown, gateway):
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1
    assert "partners.X.recipient" in broken.stderr
    assert "unknown partner 'NOPE'" in unknown.stderr


def test_a_document_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    env = setup(tmp_path) | {"POTRACK_MAX_DOCUMENT_BYTES": "2048"}
    big = tmp_path / "big.x12"
    big.write_bytes(acceptance("41") + b" " * 4096)

    result = runner.invoke(app, ["translate", str(big)], env=env)

    assert result.exit_code == 1
    assert "over the limit of 2048 (POTRACK_MAX_DOCUMENT_BYTES)" in result.stderr
