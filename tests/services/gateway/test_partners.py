"""The trading-partners file: who may send documents, found by any of its identifiers."""

import pytest

from projections.sla import RecipientPolicy
from schemas.events import DocumentFormat
from services.gateway.partners import parse_partners

KOBE = """
[partners.KOBE-EDI]
supplier = "SUP-F06"
recipient = "sup-f06-edi"
x12 = ["ZZ:KOBESEIMITSU"]
edifact = ["4012345000009:14"]
cxml = ["NetworkID:AN01000000001"]
email = ["orders@kobe.example", "@kobe.example"]
as2 = ["KOBE-AS2"]
shared_secret = "s3cret"
functional_ack_minutes = 60
acknowledgment_hours = 48
timezone = "Asia/Tokyo"

[partners.ACME]
supplier = "SUP-1"
recipient = "sup"
x12 = ["01:ACME"]
"""


def test_a_partner_is_found_by_each_of_its_identifiers() -> None:
    partners = parse_partners(KOBE, "partners.toml")

    def found(fmt: DocumentFormat, *senders: str) -> str | None:
        partner = partners.find(fmt, senders)
        return partner.id if partner else None

    assert found(DocumentFormat.X12, "ZZ:KOBESEIMITSU") == "KOBE-EDI"
    assert found(DocumentFormat.X12, "01:ACME") == "ACME"
    assert found(DocumentFormat.EDIFACT, "4012345000009:14") == "KOBE-EDI"
    assert found(DocumentFormat.CXML, "NetworkID:AN01000000001") == "KOBE-EDI"
    assert found(DocumentFormat.CXML, "networkid:AN01000000001") == "KOBE-EDI"  # domain case
    assert found(DocumentFormat.EMAIL, "Orders@Kobe.Example") == "KOBE-EDI"
    assert found(DocumentFormat.EMAIL, "mailer-daemon@mx.other", "sales@kobe.example") == "KOBE-EDI"
    assert found(DocumentFormat.EMAIL, "kobe-as2") == "KOBE-EDI"


def test_an_identifier_of_another_format_or_an_unknown_one_finds_nobody() -> None:
    partners = parse_partners(KOBE, "partners.toml")

    assert partners.find(DocumentFormat.EDIFACT, ["ZZ:KOBESEIMITSU"]) is None
    assert partners.find(DocumentFormat.X12, ["zz:kobeseimitsu"]) is None  # X12 is exact
    assert partners.find(DocumentFormat.EMAIL, ["orders@kobe.example.evil"]) is None
    assert partners.find(DocumentFormat.CXML, ["NetworkID:an01000000001"]) is None  # identity


def test_expectations_feed_the_sla_policy_per_recipient() -> None:
    partners = parse_partners(KOBE, "partners.toml")

    assert partners.expectations() == {
        "sup-f06-edi": RecipientPolicy(acknowledgment_hours=48, receipt_minutes=60)
    }
    assert partners.by_id["KOBE-EDI"].zone.key == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[partners.X\nsupplier='S'", "not TOML"),
        ("[partners.X]\nrecipient = 'r'", "partners.X.supplier: Field required"),
        ("[partners.X]\nsupplier='S'\nrecipient='r'\nx12 = 'ZZ:A'", "partners.X.x12"),
        ("[partners.X]\nsupplier='S'\nrecipient='r'\ntimezone='Mars/Base'", "unknown IANA"),
        ("[partners.X]\nsupplier='S'\nrecipient='r'\nfax = ['1']", "partners.X.fax"),
        ("[partner.X]\nsupplier='S'", "unknown top-level keys ['partner']"),
        (
            "[partners.A]\nsupplier='S'\nrecipient='r'\nx12=['ZZ:A']\n"
            "[partners.B]\nsupplier='T'\nrecipient='q'\nx12=['ZZ:A']",
            "'ZZ:A' (x12) belongs to both A and B",
        ),
    ],
)
def test_a_bad_partners_file_is_one_line_naming_the_file_and_the_fault(
    text: str, says: str
) -> None:
    with pytest.raises(ValueError) as raised:
        parse_partners(text, "partners.toml")

    message = str(raised.value)
    assert message.startswith("partners file partners.toml: ")
    assert says in message
    assert "\n" not in message
