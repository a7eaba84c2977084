"""The simulated suppliers' partners file: what the gateway loads to recognise them."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from schemas.events import DocumentFormat
from schemas.status import Channel
from services.cli import app
from services.gateway.partners import Partners, load_partners
from services.simulate.partners import PARTNERS, gln, partners_toml, zone_name
from services.simulate.profiles import SUPPLIERS


def test_every_supplier_is_a_partner_with_its_identifiers(partners: Partners) -> None:
    assert len(partners) == len(SUPPLIERS) == len(PARTNERS)
    for s in SUPPLIERS:
        p = partners.by_id[s.id]
        assert (p.supplier, p.recipient) == (s.id, f"{s.id}:orders")
        assert p.email == [f"@{s.domain}"]
        edi = s.channel is Channel.EDI
        assert bool(p.x12) == (edi and not s.edifact) and bool(p.edifact) == s.edifact
        assert (p.functional_ack_minutes is not None) == edi
        assert (p.shared_secret is not None) == bool(p.cxml) == (s.channel is Channel.CXML)
        assert partners.find(DocumentFormat.EMAIL, [f"orders@{s.domain}"]) is p
    assert {s.id for s in SUPPLIERS if s.edifact} == {"SUP-1003", "SUP-1008"}


def test_zones_keep_each_supplier_offset_all_year(partners: Partners) -> None:
    assert zone_name(-5) == "Etc/GMT+5" and zone_name(5.5) == "Asia/Kolkata"
    for s in SUPPLIERS:
        zone = ZoneInfo(partners.by_id[s.id].timezone)
        for month in (1, 7):
            offset = datetime(2026, month, 15, tzinfo=UTC).astimezone(zone).utcoffset()
            assert offset is not None and offset.total_seconds() == s.utc_offset * 3600


def test_glns_carry_their_gs1_check_digit() -> None:
    assert gln("40123450000", 0) == "4012345000009"  # the GS1 example GLN
    assert all(len(p.gln) == 13 for p in PARTNERS.values() if p.gln)


def test_simulate_writes_the_partners_file_and_exits(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "partners.toml"
    result = CliRunner().invoke(app, ["simulate", "--write-partners", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == partners_toml()
    assert len(load_partners(path)) == len(SUPPLIERS)
