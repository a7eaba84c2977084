"""The email evidence of simulated PO mails: DSNs from mail servers, MDNs from readers.

Contract v1.1: the submitting relay's SMTP 250 is only `po.sent`. What follows comes back
as whole messages: a DSN `delivered` from the recipient's final mail server (potrack's
gateway asks for NOTIFY=SUCCESS), a DSN `failed` (permanent) or `delayed` (transient)
from the buyer's relay, which tried the recipient's server, and an MDN `displayed` from
the reader's mail client. Every DSN returns the PO mail's headers, whose Message-ID is
the `po.sent` message id. Times carry the reporter's offset: the supplier's for its
servers and people, UTC for the buyer's (the caller cuts the event time to the second).
Written by `services.simulate.b2b.mail`, through `Stamps` (the email package is slow).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import format_datetime
from typing import Any

from schemas.status import EventType
from services.simulate.b2b import mail
from services.simulate.documents.order import Numbers, Order
from services.simulate.documents.stamp import Stamps, Value
from services.simulate.partners import BOUNCES, BUYER_DOMAIN, OUTBOUND_MTA, PURCHASING

_STAMPS = Stamps()  # shapes depend only on their keys: shared by every Courier


def _str(value: Value) -> str:
    assert isinstance(value, str)
    return value


def _at(value: Value) -> datetime:
    assert isinstance(value, datetime)
    return value


def _returned(address: str, values: Sequence[Value]) -> bytes:
    """The headers of the PO mail as a DSN returns them (RET=HDRS): values 2, 3 and 4 are
    its Message-ID, Subject and Date."""
    fields = [("From", PURCHASING), ("To", address), ("Subject", _str(values[3]))]
    fields += [("Date", format_datetime(_at(values[4]))), ("Message-ID", f"<{_str(values[2])}>")]
    return "".join(f"{name}: {value}\r\n" for name, value in fields).encode() + b"\r\n"


def evidence(
    numbers: Numbers,
    order: Order,
    kind: EventType,
    data: dict[str, Any],
    recipient: dict[str, Any],
    sent: str,
    at: datetime,
) -> bytes:
    """The DSN or MDN that carries a po.delivered, po.delivery_failed or po.received about
    the PO mail whose Message-ID is `sent`."""
    address: str = recipient["address"]
    domain = address.rpartition("@")[2]
    zone: tzinfo = UTC if recipient["kind"] == "internal" else order.partner.tz
    subject = f"Purchase Order {order.po} (revision {data['revision']})"
    if kind is EventType.RECEIVED:
        return _STAMPS(
            ("mdn", address),
            lambda v: mail.mdn(
                original_message_id=_str(v[2]),
                final_recipient=address,
                to=PURCHASING,
                date=_at(v[0]),
                message_id=_str(v[1]),
                subject=_str(v[3]),
            ),
            [at.astimezone(zone), f"{numbers.token(64).upper()}@{domain}", sent, subject],
        )
    failed = kind is EventType.DELIVERY_FAILED
    mta = (
        OUTBOUND_MTA
        if failed
        else f"mx.{BUYER_DOMAIN}"
        if domain == BUYER_DOMAIN
        else f"mx1.{domain}"
    )
    local = at.astimezone(UTC if failed else zone)
    sent_at = order.sent_at.get(sent, at).replace(microsecond=0)
    values: list[Value] = [local, f"{local:%Y%m%d%H%M%S}.{numbers.token(40).upper()}@{mta}"]
    values += [sent, subject, sent_at.astimezone(UTC), min(sent_at, local).astimezone(local.tzinfo)]
    if not failed:
        action, code, diagnostic = "delivered", "2.0.0", "250 2.0.0 Ok: delivered to mailbox"
        values.append(f"{diagnostic} ({numbers.token(40).upper()})")
    else:
        action = "failed" if data["permanent"] else "delayed"
        code, diagnostic = data["code"], data.get("reason") or ""
        values.append(local + timedelta(days=5))

    def build(v: Sequence[Value]) -> bytes:
        status = mail.Recipient(
            address,
            action,
            code,
            diagnostic=diagnostic if failed else _str(v[6]),
            remote_mta=f"mx1.{domain}" if failed else None,
            last_attempt=_at(v[0]),
            original=address,
            will_retry_until=_at(v[6]) if action == "delayed" else None,
        )
        return mail.dsn(
            reporting_mta=mta,
            recipients=[status],
            to=BOUNCES,
            date=_at(v[0]),
            message_id=_str(v[1]),
            arrival=_at(v[5]),
            original=_returned(address, v),
        )

    return _STAMPS(("dsn", address, mta, action, code, diagnostic), build, values)
