"""The email reader: bounces (DSN), read receipts (MDN) and AS2 MDNs as real systems send
them, and every row of the email mapping table."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.gateway.formats.mail import read
from services.gateway.mapping import Code
from services.gateway.mapping.mail import ROWS
from services.gateway.statements import Format, Outcome, Reading, Reply
from services.simulate.b2b.mail import Recipient, as2_mdn, dsn, mdn, purchase_order_mail

SAMPLES = Path(__file__).parents[3] / "data" / "documents" / "email"
CET = timezone(timedelta(hours=1))
EST = timezone(timedelta(hours=-5))
SENT = datetime(2025, 3, 4, 9, 12, 40, tzinfo=CET)
PO_ID = "po.4500012345.r1.17@buyer.example"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def the_reply(reading: Reading) -> Reply:
    (statement,) = reading.statements
    assert isinstance(statement, Reply)
    return statement


def po_mail() -> bytes:
    body, message_id = purchase_order_mail(
        po_number="4500012345", revision=1, sender="po-distribution@buyer.example",
        recipient="orders@supplier.example", sent_at=SENT, control=17,
    )  # fmt: skip
    assert message_id == PO_ID
    return body


def bounce(*recipients: Recipient, envelope_id: str | None = PO_ID, **extra: object) -> bytes:
    args: dict[str, object] = dict(
        reporting_mta="mx1.supplier.example", recipients=recipients,
        to="po-distribution@buyer.example", date=datetime(2025, 3, 4, 9, 12, 48, tzinfo=CET),
        message_id="20250304081248.4Z6Qd20n3Bz9vNb@mx1.supplier.example",
        arrival=datetime(2025, 3, 4, 9, 12, 47, tzinfo=CET), envelope_id=envelope_id,
    )  # fmt: skip
    return dsn(**{**args, **extra})  # type: ignore[arg-type]


def receipt(disposition: str, **extra: object) -> bytes:
    args: dict[str, object] = dict(
        original_message_id=PO_ID, final_recipient="Jane.Doe@supplier.example",
        to="po-distribution@buyer.example", date=datetime(2025, 3, 4, 10, 2, tzinfo=CET),
        message_id="b7e1f0c2a9d8@EX01.supplier.example", disposition=disposition,
    )  # fmt: skip
    return mdn(**{**args, **extra})  # type: ignore[arg-type]


def as2_receipt(disposition: str, **extra: object) -> bytes:
    args: dict[str, object] = dict(
        original_message_id="as2." + PO_ID, as2_from="KOBE-AS2", as2_to="BUYER-AS2",
        date=datetime(2025, 3, 4, 8, 15, 2, tzinfo=UTC), message_id="MDN-118@as2.kobe.example",
        disposition=disposition,
    )  # fmt: skip
    return as2_mdn(**{**args, **extra})  # type: ignore[arg-type]


def test_a_postfix_bounce_is_a_permanent_failure_of_the_message_its_envelope_id_names() -> None:
    reading = read(sample("postfix-dsn-failed-5.1.1.eml"))

    assert (reading.format, reading.kind) == (Format.EMAIL, "DSN")
    assert reading.control == "20250304081248.4Z6Qd20n3Bz9vNb@mx1.supplier.example"
    assert reading.senders == ("mailer-daemon@mx1.supplier.example", "orders@supplier.example")
    assert reading.time == datetime(2025, 3, 4, 9, 12, 48, tzinfo=CET)
    assert the_reply(reading) == Reply(
        message_id=PO_ID,
        outcome=Outcome.FAILED,
        evidence="email-dsn-failed",
        key="orders@supplier.example",
        address="orders@supplier.example",
        time=datetime(2025, 3, 4, 9, 12, 48, tzinfo=CET),
        code="5.1.1",
        reason="550 5.1.1 <orders@supplier.example>: Recipient address rejected: User unknown "
        "in virtual mailbox table",
    )


def test_an_exchange_ndr_without_envelope_id_is_matched_by_the_returned_message_id() -> None:
    reply = the_reply(read(sample("exchange-online-ndr-5.1.10.eml")))

    assert (reply.message_id, reply.alternatives) == ("po.4500012399.r2.41@buyer.example", ())
    assert (reply.outcome, reply.code, reply.key) == (
        Outcome.FAILED, "5.1.10", "purchasing@contoso-supplier.example"
    )  # fmt: skip
    assert reply.reason == (
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"
    )
    assert reply.time == datetime(2025, 3, 5, 14, 3, 11, tzinfo=UTC)  # its Date: no attempt date


def test_a_sendmail_return_receipt_delivers_one_recipient_and_says_nothing_of_a_relay() -> None:
    reading = read(sample("sendmail-dsn-delivered-and-relayed.eml"))
    reply = the_reply(reading)

    assert (reply.outcome, reply.evidence, reply.code) == (
        Outcome.DELIVERED, "email-dsn-delivered", "2.0.0"
    )  # fmt: skip
    assert (reply.key, reply.reason) == ("orders@acme-parts.example", None)
    assert reply.time == datetime(2025, 3, 4, 9, 1, 37, tzinfo=EST)  # Last-Attempt-Date
    assert reading.senders == (
        "mailer-daemon@mail.acme-parts.example",
        "orders@acme-parts.example",
        "sales-team@acme-parts.example",
    )
    assert reading.notes == (
        "sales-team@acme-parts.example: Action relayed, Status 2.0.0: no event",
    )


def test_a_delay_warning_is_a_transient_failure_with_the_status_and_the_diagnostic() -> None:
    reply = the_reply(read(sample("postfix-dsn-delayed-4.4.1.eml")))

    assert (reply.outcome, reply.evidence, reply.code) == (
        Outcome.DELAYED, "email-dsn-delayed", "4.4.1"
    )  # fmt: skip
    assert reply.message_id == "po.4500012388.r1.19@buyer.example"  # from the returned headers
    assert reply.reason == "connect to mx.slowparts.example[198.51.100.7]:25: Connection timed out"


def test_a_failed_action_with_a_4xx_status_is_permanent_the_mta_gave_up() -> None:
    reply = the_reply(read(sample("postfix-dsn-expired-4.4.1.eml")))

    assert (reply.outcome, reply.code) == (Outcome.FAILED, "4.4.1")
    assert reply.time == datetime(2025, 3, 9, 9, 31, 12, tzinfo=CET)


@pytest.mark.parametrize(
    ("name", "outcome", "evidence", "message_id", "key", "senders"),
    [
        ("outlook-mdn-displayed.eml", Outcome.RECEIVED, "email-read-receipt",
         "po.4500012410.r1.55@buyer.example", "jane.doe@kestrel-tools.example",
         ("jane.doe@kestrel-tools.example",)),
        ("thunderbird-mdn-deleted.eml", Outcome.DELIVERED, "email-mdn-deleted",
         "po.4500012411.r1.56@buyer.example", "buyer.desk@kestrel-tools.example",
         ("buyer.desk@kestrel-tools.example",)),
        ("order-inbox-mdn-processed.eml", Outcome.RECEIVED, "email-mdn-processed",
         "po.4500012420.r3.61@buyer.example", "order-intake@edi01.nordic-fasteners.example",
         ("orders-robot@nordic-fasteners.example", "order-intake@edi01.nordic-fasteners.example",
          "orders@nordic-fasteners.example")),
    ],
)  # fmt: skip
def test_a_mail_clients_mdn_says_what_happened_to_the_po_mail(
    name: str, outcome: Outcome, evidence: str, message_id: str, key: str, senders: tuple[str]
) -> None:
    reading = read(sample(name))
    reply = the_reply(reading)

    assert reading.kind == "MDN"
    assert (reply.outcome, reply.evidence, reply.message_id, reply.key) == (
        outcome, evidence, message_id, key
    )  # fmt: skip
    assert reading.senders == senders
    assert reply.time is not None and reply.time.tzinfo is not None
    assert reply.time == reading.time


def test_a_read_receipt_is_dated_by_its_date_header() -> None:
    reading = read(sample("outlook-mdn-displayed.eml"))

    assert reading.control == "b7e1f0c2a9d84e43a1c55f0e2d7b6a93@EX01.kestrel-tools.example"
    assert the_reply(reading).time == datetime(2025, 3, 4, 10, 2, 1, tzinfo=CET)


def test_a_signed_as2_mdn_is_unwrapped_unverified_and_delivers() -> None:
    reading = read(sample("openas2-mdn-processed-signed.eml"))
    reply = the_reply(reading)

    assert (reading.kind, reading.control) == (
        "AS2-MDN", "OPENAS2-04032025081502+0000-4417@KOBE-AS2_BUYER-AS2"
    )  # fmt: skip
    assert reading.senders == ("KOBE-AS2",)
    assert reading.notes == ("multipart/signed unwrapped; the signature was not verified",)
    assert (reply.outcome, reply.evidence, reply.message_id) == (
        Outcome.DELIVERED, "as2-mdn-processed", "as2." + PO_ID
    )  # fmt: skip
    assert reply.time == datetime(2025, 3, 4, 8, 15, 2, tzinfo=UTC)


def test_an_as2_decryption_error_is_a_permanent_failure_with_the_error_as_reason() -> None:
    reading = read(sample("mendelson-as2-mdn-decryption-failed.eml"))
    reply = the_reply(reading)

    assert (reply.outcome, reply.evidence) == (Outcome.FAILED, "as2-mdn-error")
    assert (reply.code, reply.reason) == ("processed/error", "decryption-failed")
    assert reading.senders == ("Nordic Fasteners AS2",)  # quotes dropped, case kept
    assert reply.key == "Nordic Fasteners AS2"


def test_an_as2_warning_still_delivers_and_keeps_the_warning_in_the_notes() -> None:
    reading = read(sample("as2-mdn-processed-warning.eml"))
    reply = the_reply(reading)

    assert (reply.outcome, reply.evidence) == (Outcome.DELIVERED, "as2-mdn-processed-with-warning")
    assert reading.notes == ("processed/warning: duplicate-document",)


def test_an_as2_failed_mdn_is_a_permanent_failure_with_the_failure_description() -> None:
    reply = the_reply(read(sample("as2-mdn-failed-unsupported-mic.eml")))

    assert (reply.outcome, reply.evidence) == (Outcome.FAILED, "as2-mdn-failed")
    assert (reply.code, reply.reason) == ("failed/failure", "unsupported MIC-algorithms")


def _document_for(row: Code) -> bytes:
    if row.document == "DSN":
        status = {"delivered": "2.0.0", "delayed": "4.4.1"}.get(row.code, "5.1.1")
        return bounce(Recipient("orders@supplier.example", row.code, status, "550 no"))
    base = {"AS2-MDN": "failed" if row.code == "failure" else "processed"}.get(row.document)
    kind = row.code if row.element == "disposition-type" else f"{base or 'processed'}/{row.code}"
    disposition = f"automatic-action/MDN-sent-automatically; {kind}"
    return as2_receipt(disposition) if row.document == "AS2-MDN" else receipt(disposition)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.document}-{r.element}-{r.code}")
def test_every_mapping_row_is_what_the_reader_does(row: Code) -> None:
    reading = read(_document_for(row))

    assert reading.kind == row.document
    if row.element == "Action" and row.result is None:  # relayed, expanded
        assert reading.statements == ()
        assert reading.notes == (
            f"orders@supplier.example: Action {row.code}, Status 5.1.1: no event",
        )
    elif row.result is None:  # an MDN modifier that leaves the disposition-type's outcome
        reply = the_reply(reading)
        assert (reply.outcome, reply.evidence) == (Outcome.RECEIVED, "email-mdn-processed")
        assert reading.notes == (f"processed/{row.code}",)
    else:
        reply = the_reply(reading)
        assert reply.outcome == row.result
        assert f"(evidence {reply.evidence}" in row.becomes
