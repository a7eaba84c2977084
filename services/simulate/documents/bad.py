"""Broken B2B documents, as VANs, connectors and the wider internet deliver them now and
then; the gateway must dead-letter each one with a reason (contract §2b "Bad documents").

- ``x12-truncated``: an X12 interchange cut off before its IEA (a connector timed out);
- ``x12-unknown-sender``: an X12 interchange from an ISA06 no partner has (a supplier's
  new translator, not on file);
- ``edifact-truncated``: an EDIFACT interchange cut off before its UNZ;
- ``cxml-external-entity``: a cXML document whose DTD declares an external entity (XXE);
- ``dsn-never-sent``: a bounce of a message potrack never sent (backscatter of spam that
  forged the buyer's address); it names no sent message, so the gateway dead-letters it
  once the correlation window has passed.
"""

import random
import re
from datetime import UTC, datetime, timedelta

from schemas.events import CONTENT_TYPE_OF_FORMAT, DocumentFormat
from services.simulate.b2b import mail
from services.simulate.partners import BOUNCES

X12, EDIFACT, CXML, EMAIL = (CONTENT_TYPE_OF_FORMAT[f] for f in DocumentFormat)
KINDS: dict[str, tuple[str, ...]] = {
    X12: ("x12-truncated", "x12-unknown-sender"),
    EDIFACT: ("edifact-truncated",),
    CXML: ("cxml-external-entity",),
    EMAIL: ("dsn-never-sent",),
}
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>]*>")
_XXE = b'<!DOCTYPE cXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def broken(rng: random.Random, content_type: str, body: bytes, when: datetime) -> tuple[bytes, str]:
    """A broken variant of a good document of `content_type` (or, for email, a bounce that
    answers nothing), as (bytes, defect); `when` is the good document's event time."""
    kind = rng.choice(KINDS[content_type])
    if kind == "x12-truncated":
        return body[: rng.randint(len(body) // 3, body.rindex(b"IEA"))], kind
    if kind == "x12-unknown-sender":
        sender = body[35:50].rstrip()  # ISA06, padded to 15 characters (X12.5)
        stranger = "".join(rng.choice(_LETTERS) for _ in sender).encode()
        return body.replace(sender, stranger), kind
    if kind == "edifact-truncated":
        return body[: rng.randint(len(body) // 3, body.rindex(b"UNZ"))], kind
    if kind == "cxml-external-entity":
        found = _DOCTYPE.sub(_XXE, body, count=1)
        return found.replace(b"<UserAgent>", b"<UserAgent>&xxe;", 1), kind
    return _backscatter(rng, when), kind


def _backscatter(rng: random.Random, when: datetime) -> bytes:
    host = f"mail{rng.randrange(1, 99)}.{rng.choice(('example.net', 'example.org'))}"
    local = when.astimezone(UTC).replace(microsecond=0)
    forged = f"{rng.getrandbits(64):016x}@{host}"
    rcpt = f"{rng.choice(('info', 'sales', 'admin'))}{rng.randrange(10, 99)}@{host}"
    original = (
        f"From: {BOUNCES}\r\nTo: {rcpt}\r\nSubject: Your invoice is ready\r\n"
        f"Message-ID: <{forged}>\r\n\r\n"
    ).encode()
    failure = mail.Recipient(rcpt, "failed", "5.1.1", "550 5.1.1 user unknown", host, local)
    return mail.dsn(
        reporting_mta=host,
        recipients=[failure],
        to=BOUNCES,
        date=local,
        message_id=f"{rng.getrandbits(64):016x}@{host}",
        arrival=local - timedelta(seconds=rng.randint(1, 30)),
        original=original,
    )
