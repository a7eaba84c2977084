"""The email reader's finer rules: several recipients, correlation fallbacks, times,
Disposition spellings, RFC 6533 reports, and the builders it is tested with."""

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.gateway.formats.mail import read
from services.gateway.statements import Outcome, Reply
from services.simulate.b2b.mail import Recipient, as2_mdn, dsn, mdn, purchase_order_mail
from tests.services.gateway.formats.test_mail import (
    CET,
    PO_ID,
    as2_receipt,
    bounce,
    po_mail,
    receipt,
    sample,
    the_reply,
)

GONE = Recipient("orders@supplier.example", "failed", "5.1.1", "550 5.1.1 User unknown")


def replies(body: bytes) -> list[Reply]:
    found = list(read(body).statements)
    assert all(isinstance(s, Reply) for s in found)
    return found  # type: ignore[return-value]


def test_each_recipient_block_is_one_reply_keyed_by_its_final_recipient() -> None:
    late = Recipient("sales@supplier.example", "delayed", "4.2.2", "452 4.2.2 Mailbox full")
    first, second = replies(bounce(GONE, late))

    assert (first.key, first.outcome) == ("orders@supplier.example", Outcome.FAILED)
    assert (second.key, second.outcome, second.code) == (
        "sales@supplier.example", Outcome.DELAYED, "4.2.2"
    )  # fmt: skip


def test_a_recipient_reported_twice_gets_a_distinct_key() -> None:
    again = Recipient("Orders@Supplier.example", "delayed", "4.4.1")
    keys = [r.key for r in replies(bounce(GONE, again))]

    assert keys == ["orders@supplier.example", "orders@supplier.example#2"]


def test_reading_the_same_bytes_twice_gives_the_same_reading() -> None:
    body = sample("sendmail-dsn-delivered-and-relayed.eml")

    assert read(body) == read(body)


def test_the_envelope_id_comes_first_then_its_xtext_decoding_then_the_returned_message() -> None:
    encoded = "po+2B4500012345@buyer.example"
    (reply,) = replies(bounce(GONE, envelope_id=encoded, original=po_mail()))

    assert reply.message_id == encoded
    assert reply.alternatives == ("po+4500012345@buyer.example", PO_ID)


def test_a_whole_returned_message_correlates_too() -> None:
    (reply,) = replies(bounce(GONE, envelope_id=None, original=po_mail(), full=True))

    assert (reply.message_id, reply.alternatives) == (PO_ID, ())


def test_without_last_attempt_date_a_reply_takes_the_dsn_date_and_failing_that_arrival() -> None:
    attempt = datetime(2025, 3, 4, 9, 12, 46, tzinfo=CET)
    dated = Recipient("orders@supplier.example", "failed", "5.1.1", last_attempt=attempt)
    no_date = bounce(GONE).replace(b"Date: Tue, 04 Mar 2025 09:12:48 +0100\r\n", b"")

    assert replies(bounce(dated))[0].time == attempt
    assert replies(bounce(GONE))[0].time == datetime(2025, 3, 4, 9, 12, 48, tzinfo=CET)
    assert replies(no_date)[0].time == datetime(2025, 3, 4, 9, 12, 47, tzinfo=CET)
    assert read(no_date).time is None


def test_a_date_in_an_unknown_zone_is_read_as_utc() -> None:
    body = bounce(GONE).replace(b"09:12:48 +0100", b"08:12:48 -0000")

    assert replies(body)[0].time == datetime(2025, 3, 4, 8, 12, 48, tzinfo=UTC)


def test_a_failure_without_diagnostic_code_gets_the_rfc_3463_wording() -> None:
    (reply,) = replies(bounce(Recipient("orders@supplier.example", "failed", "5.2.2")))

    assert (reply.code, reply.reason) == ("5.2.2", "Mailbox full")


def test_a_report_without_message_id_is_known_by_the_digest_of_its_bytes() -> None:
    body = receipt("manual-action/MDN-sent-manually; displayed").replace(
        b"Message-ID: <b7e1f0c2a9d8@EX01.supplier.example>\r\n", b""
    )

    assert read(body).control == "sha256:" + hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize(
    ("disposition", "outcome", "code", "reason", "notes"),
    [
        ("displayed", Outcome.RECEIVED, "displayed", None, ()),  # no disposition-mode
        ("manual-action/MDN-sent-manually; Dispatched", Outcome.RECEIVED, "dispatched", None, ()),
        ("automatic-action/MDN-sent-automatically; processed/error: rule failed, retry",
         Outcome.FAILED, "processed/error", "rule failed, retry", ()),
        ("automatic-action/MDN-sent-automatically; processed/expired, error",
         Outcome.FAILED, "processed/error", "automatic-action/MDN-sent-automatically; "
         "processed/expired, error", ("processed/expired",)),
        ("automatic-action/MDN-sent-automatically; deleted/x-archived", Outcome.DELIVERED,
         "deleted", None, ("unknown disposition-modifier 'x-archived' ignored",)),
    ],
)  # fmt: skip
def test_disposition_spellings(
    disposition: str, outcome: Outcome, code: str, reason: str | None, notes: tuple[str, ...]
) -> None:
    reading = read(receipt(disposition))
    reply = the_reply(reading)

    assert (reply.outcome, reply.code, reply.reason) == (outcome, code, reason)
    assert reading.notes == notes


def test_an_mdn_error_without_description_takes_the_error_field() -> None:
    body = receipt("automatic-action/MDN-sent-automatically; processed/error").replace(
        b"processed/error\r\n", b"processed/error\r\nError: mailbox quota exceeded\r\n"
    )

    assert the_reply(read(body)).reason == "mailbox quota exceeded"


def test_an_as2_failed_mdn_stays_failed_whatever_its_modifier() -> None:
    reply = the_reply(read(as2_receipt("automatic-action/MDN-sent-automatically; failed/warning")))

    assert (reply.outcome, reply.evidence, reply.code) == (
        Outcome.FAILED, "as2-mdn-failed", "failed/warning"
    )  # fmt: skip


def test_an_rfc_6533_global_delivery_status_is_read_block_by_block() -> None:
    body = bounce(GONE, Recipient("sales@supplier.example", "delivered", "2.0.0"))
    body = body.replace(b'report-type="delivery-status"', b"report-type=global-delivery-status")
    body = body.replace(b"message/delivery-status", b"message/global-delivery-status")
    first, second = replies(body)

    assert (first.key, first.outcome) == ("orders@supplier.example", Outcome.FAILED)
    assert (second.key, second.outcome, second.message_id) == (
        "sales@supplier.example", Outcome.DELIVERED, PO_ID
    )  # fmt: skip


def test_the_po_mail_carries_the_message_id_it_returns_and_asks_for_a_read_receipt() -> None:
    body, message_id = purchase_order_mail(
        po_number="4500012345", revision=2, sender="po-distribution@buyer.example",
        recipient="orders@supplier.example", sent_at=datetime(2025, 3, 4, 9, 0, tzinfo=CET),
        control="A7", pdf=b"%PDF-1.7\n",
    )  # fmt: skip

    assert message_id == "po.4500012345.r2.A7@buyer.example"
    assert f"Message-ID: <{message_id}>\r\n".encode() in body
    assert b"Disposition-Notification-To: po-distribution@buyer.example\r\n" in body
    assert b'filename="PO-4500012345-R2.pdf"' in body


def test_the_builders_are_deterministic() -> None:
    at = datetime(2025, 3, 4, 8, 15, 2, tzinfo=UTC)
    signed = dict(
        original_message_id=PO_ID, as2_from="KOBE-AS2", as2_to="BUYER-AS2", date=at,
        message_id="m@as2.kobe.example", signature=b"\x30\x82\x01\x00",
    )  # fmt: skip
    read_receipt = dict(
        original_message_id=PO_ID, final_recipient="a@s.example", to="b@b.example", date=at,
        message_id="r@s.example",
    )  # fmt: skip
    bounced = dict(
        reporting_mta="mx.s.example", recipients=[GONE], to="b@b.example", date=at,
        message_id="d@mx.s.example", arrival=at, original=po_mail(), full=True,
    )  # fmt: skip

    assert as2_mdn(**signed) == as2_mdn(**signed)  # type: ignore[arg-type]
    assert mdn(**read_receipt) == mdn(**read_receipt)  # type: ignore[arg-type]
    assert dsn(**bounced) == dsn(**bounced)  # type: ignore[arg-type]


def test_an_as2_name_with_a_space_is_quoted_in_the_header_and_read_without_quotes() -> None:
    at = datetime(2025, 3, 4, 8, 15, 2, tzinfo=timezone(timedelta(0)))
    body = as2_mdn(
        original_message_id=PO_ID, as2_from="Kobe Seimitsu", as2_to="BUYER-AS2", date=at,
        message_id="m@as2.kobe.example",
    )  # fmt: skip

    assert b'AS2-From: "Kobe Seimitsu"\r\n' in body
    assert read(body).senders == ("Kobe Seimitsu",)


def test_an_8bit_utf8_recipient_of_an_international_dsn_is_read_as_utf8() -> None:
    body = bounce(Recipient("orders@supplier.example", "failed", "5.1.1", "550 5.1.1 unbekannt"))
    body = body.replace(
        b"rfc822; orders@supplier.example", "utf-8; Jürgen@lieferant.example".encode()
    )
    reading = read(body)

    assert replies(body)[0].key == "jürgen@lieferant.example"
    assert "jürgen@lieferant.example" in reading.senders
