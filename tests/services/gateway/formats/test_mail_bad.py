"""Email the reader refuses, each with a one-line reason, and never with another error."""

from pathlib import Path

import pytest

from services.gateway.formats.mail import read
from services.gateway.statements import DocumentError
from services.simulate.b2b.mail import Recipient
from tests.services.gateway.formats.test_mail import (
    SAMPLES,
    as2_receipt,
    bounce,
    po_mail,
    receipt,
    sample,
)

POSTFIX = sample("postfix-dsn-failed-5.1.1.eml")
GONE = Recipient("orders@supplier.example", "failed", "5.1.1", "550 5.1.1 User unknown")


def refused(body: bytes) -> str:
    with pytest.raises(DocumentError) as caught:
        read(body)
    reason = str(caught.value)
    assert "\n" not in reason
    return reason


@pytest.mark.parametrize(
    "body",
    [b"", b"\r\n\r\n", b"ISA*00*          *00*          *ZZ*KOBE~", b"\x00\x01\x02\xff binary"],
)
def test_bytes_that_are_no_mime_message(body: bytes) -> None:
    assert refused(body) == "not a MIME message: no header fields (RFC 5322 §2.2)"


def test_a_plain_reply_is_no_delivery_status_or_disposition_notification() -> None:
    assert refused(sample("plain-reply-thanks.eml")) == (
        "not a delivery status or disposition notification: the message is text/plain"
    )


def test_the_po_mail_itself_is_refused_too() -> None:
    assert refused(po_mail()).endswith("the message is text/plain")


def test_another_kind_of_report_is_refused() -> None:
    body = POSTFIX.replace(b"report-type=delivery-status", b"report-type=feedback-report")

    assert refused(body) == (
        "not a delivery status or disposition notification: multipart/report; "
        "report-type='feedback-report'"
    )


def test_a_report_without_its_machine_readable_part() -> None:
    body = POSTFIX.replace(b"Content-Type: message/delivery-status", b"Content-Type: text/plain")

    assert refused(body) == (
        "multipart/report without its message/delivery-status part (RFC 6522 §3)"
    )


def test_a_dsn_without_per_recipient_fields() -> None:
    head, _, tail = POSTFIX.partition(b"Final-Recipient:")
    body = head + b"\n--" + tail.partition(b"\n--")[2]

    assert refused(body) == "DSN without per-recipient fields (RFC 3464 §2.3)"


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        (b"Final-Recipient: rfc822; orders@supplier.example\n",
         "DSN recipient block without Final-Recipient"),
        (b"Action: failed\n", "DSN recipient block of orders@supplier.example without Action"),
        (b"Status: 5.1.1\n", "DSN recipient block of orders@supplier.example: Status 'missing' "
         "is not an RFC 3463 code"),
    ],
)  # fmt: skip
def test_a_dsn_recipient_block_without_a_required_field(field: bytes, reason: str) -> None:
    assert field in POSTFIX
    assert refused(POSTFIX.replace(field, b"")) == reason


@pytest.mark.parametrize("status", [b"5.1", b"6.1.1", b"5.x.1", b"passed"])
def test_a_status_that_is_no_rfc_3463_code(status: bytes) -> None:
    reason = refused(POSTFIX.replace(b"Status: 5.1.1", b"Status: " + status))

    assert reason.endswith(f"Status {status.decode()!r} is not an RFC 3463 code")


def test_an_unknown_action() -> None:
    assert refused(POSTFIX.replace(b"Action: failed", b"Action: bounced")) == (
        "unknown DSN Action 'bounced' for orders@supplier.example (RFC 3464 §2.3.3)"
    )


def test_a_dsn_that_names_no_sent_message() -> None:
    assert refused(bounce(GONE, envelope_id=None)) == (
        "DSN names no sent message: no Original-Envelope-Id, no returned Message-ID"
    )


def test_an_mdn_that_names_no_sent_message() -> None:
    body = receipt("manual-action/MDN-sent-manually; displayed").replace(
        b"Original-Message-ID: <po.4500012345.r1.17@buyer.example>\r\n", b""
    )

    assert refused(body) == (
        "MDN names no sent message: no Original-Message-ID, no returned Message-ID"
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (receipt("manual-action/MDN-sent-manually; denied"),
         "unknown MDN disposition-type 'denied' (Disposition: manual-action/MDN-sent-manually; "
         "denied)"),
        (as2_receipt("automatic-action/MDN-sent-automatically; displayed"),
         "unknown AS2-MDN disposition-type 'displayed' (Disposition: "
         "automatic-action/MDN-sent-automatically; displayed)"),
    ],
)  # fmt: skip
def test_an_unknown_disposition(body: bytes, reason: str) -> None:
    assert refused(body) == reason


def test_an_mdn_without_disposition() -> None:
    body = receipt("manual-action/MDN-sent-manually; displayed").replace(
        b"Disposition: manual-action/MDN-sent-manually; displayed\r\n", b""
    )

    assert refused(body) == "MDN without a Disposition field (RFC 8098 §3.2.6)"


def test_an_empty_disposition_notification_part() -> None:
    body = sample("outlook-mdn-displayed.eml")
    start = body.index(b"Reporting-UA:")
    end = body.index(b"\r\n--_000_", start)

    assert refused(body[:start] + body[end:]) == "MDN without its disposition-notification fields"


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.eml")))
def test_a_truncated_or_damaged_sample_is_read_or_refused_never_crashes(name: str) -> None:
    body = sample(name)
    for cut in range(0, len(body), 89):
        for damaged in (body[:cut], body[:cut] + b"\x00\xff;;<<" + body[cut + 7 :]):
            try:
                read(damaged)
            except DocumentError as exc:
                assert "\n" not in str(exc)


def test_sample_files_exist() -> None:
    assert len(list(Path(SAMPLES).glob("*.eml"))) >= 12
