"""Where a notice goes: the rules' targets made concrete, each with a key (what the queue,
the ledger and digests group by), a label for people (no password) and its Apprise URL.

`buyer` is the PO's `buyer.email`, `supplier` the alert recipient's plan `address`; both
are mailed through the rules' `[mail] url`. A named target that names no email address
(no buyer email, an EDI interchange id as address) is skipped: `resolve` returns why.
Keys: `buyer:<email>`, `supplier:<email>` (lower-cased), `url:<sha256 of the URL>` (the
URL itself, which may hold a password, is never stored: the flusher finds it in the
rules by its key). Pure.
"""

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from services.notify.notice import Notice
from services.notify.rules import BUYER, SUPPLIER, Rules, mask

Message = Literal["notification", "reminder"]
# An address a mail server takes: local@domain.tld, no spaces, brackets or separators.
EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class Destination:
    """A concrete target: its key, its label and the kind of message it gets."""

    key: str
    label: str
    message: Message


def is_email(address: str | None) -> bool:
    """Whether `address` is a single plain email address."""
    return address is not None and EMAIL.match(address.strip()) is not None


def url_key(url: str) -> str:
    """The key of an Apprise URL target (a digest of it: the URL may hold secrets)."""
    return "url:" + hashlib.sha256(url.encode()).hexdigest()[:24]


class Targets:
    """The targets of one rules file."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._urls = {url_key(url): url for url in rules.urls()}
        self._labels = {url_key(url): mask(url) for url in rules.urls()}

    def resolve(self, target: str, notice: Notice) -> Destination | str:
        """The destination of a rule's `target` for `notice`, or why there is none."""
        if target == BUYER:
            if not is_email(notice.buyer_email):
                return f"no buyer email on revision {notice.alert.revision}"
            email = str(notice.buyer_email).strip().lower()
            return Destination(f"{BUYER}:{email}", f"{BUYER} {email}", "notification")
        if target == SUPPLIER:
            address = notice.recipient_address
            if not is_email(address):
                why = "no address" if address is None else f"address {address!r} is no email"
                return f"recipient {notice.alert.recipient}: {why}"
            email = str(address).strip().lower()
            return Destination(f"{SUPPLIER}:{email}", f"{SUPPLIER} {email}", "reminder")
        key = url_key(target)
        return Destination(key, self._labels[key], "notification")

    def url(self, key: str, notices: list[Notice]) -> str | None:
        """The Apprise URL of a target key, None when the rules no longer have it. A
        reminder's replies go to the buyer when every notice it lists has the same one."""
        name, _, email = key.partition(":")
        if name == "url":
            return self._urls.get(key)
        if self.rules.mail is None or name not in (BUYER, SUPPLIER):
            return None
        buyers = {n.buyer_email for n in notices}
        reply = buyers.pop() if name == SUPPLIER and len(buyers) == 1 else None
        return self.rules.mail.to(email, reply_to=reply if is_email(reply) else None)
