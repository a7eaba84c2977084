"""The simulated suppliers as trading partners: their B2B identities and the partners file.

Every identifier a simulated document carries comes from here (ISA05:ISA06, UNB sender
GLNs, cXML NetworkIDs and shared secrets, mail domains), and so does `partners_toml`, the
POTRACK_PARTNERS_FILE that lets the gateway recognise them (format: services/gateway/
partners.py). Time zones are fixed-offset IANA zones, because the simulated suppliers
keep one UTC offset all year: ``Etc/GMT+5`` is UTC-5 (POSIX inverts the sign). Pure.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta, timezone

from schemas.status import Channel
from services.simulate.profiles import SUPPLIERS, Supplier

BUYER_X12 = "ZZ:POTRACKBUYER"  # ISA07:ISA08 of what suppliers send to the buyer
BUYER_GLN = "4012345000009"  # the buyer's GLN (UNB recipient, NAD+BY)
BUYER_ANID = "AN01000000001"  # the buyer's cXML NetworkID
BUYER_DOMAIN = "buyer.example"
PURCHASING = f"purchasing@{BUYER_DOMAIN}"  # From of PO mails; read receipts go back to it
BOUNCES = f"po-gateway@{BUYER_DOMAIN}"  # the envelope sender: DSNs go to it
OUTBOUND_MTA = f"smtp-out.{BUYER_DOMAIN}"  # the buyer's relay: it reports bounces and delays
ORDER_HOST = f"b2b.{BUYER_DOMAIN}"  # host part of the OrderRequest payloadIDs potrack sends
MAIL_HOST = f"mail.{BUYER_DOMAIN}"  # host part of the Message-IDs of PO mails
FUNCTIONAL_ACK_MINUTES = {"SUP-1008": 240}  # flaky AS2 retries; the others: 60
_NAMED_ZONES = {0.0: "Etc/UTC", 5.5: "Asia/Kolkata", 9.0: "Asia/Tokyo"}


def zone_name(utc_offset: float) -> str:
    """The fixed-offset IANA zone of a UTC offset in hours (``-5`` -> ``Etc/GMT+5``)."""
    if utc_offset in _NAMED_ZONES:
        return _NAMED_ZONES[utc_offset]
    if utc_offset != int(utc_offset):
        raise ValueError(f"no fixed-offset zone for UTC{utc_offset:+}")
    return f"Etc/GMT{-int(utc_offset):+d}"


def gln(prefix: str, number: int) -> str:
    """A 13-digit GLN: `prefix` (GS1 country), `number`, and the GS1 mod-10 check digit."""
    body = f"{prefix}{number:0{12 - len(prefix)}d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str(-total % 10)


@dataclass(frozen=True)
class TradingPartner:
    """How one simulated supplier appears in B2B documents."""

    supplier: Supplier
    x12: str | None  # ISA05:ISA06, for X12 suppliers
    gln: str | None  # UNB sender id (qualifier 14), for EDIFACT suppliers
    anid: str | None  # cXML From/Sender NetworkID, for cXML suppliers
    shared_secret: str | None

    @property
    def id(self) -> str:
        return self.supplier.id

    @property
    def recipient(self) -> str:
        """Its recipient id in the distribution plans (the address business answers are for)."""
        return f"{self.supplier.id}:orders"

    @property
    def tz(self) -> timezone:
        """The fixed UTC offset its systems stamp local times in."""
        return timezone(timedelta(hours=self.supplier.utc_offset))


def _partner(s: Supplier) -> TradingPartner:
    number = int(s.id.rpartition("-")[2])
    x12 = edifact = cxml = None
    if s.channel is Channel.EDI and s.edifact:
        edifact = gln({"SUP-1003": "400", "SUP-1008": "735"}.get(s.id, "590"), number)
    elif s.channel is Channel.EDI:
        x12 = "ZZ:" + s.domain.split(".")[0].replace("-", "").upper()[:15]
    elif s.channel is Channel.CXML:
        cxml = f"AN{1_000_000_000 + number:011d}"
    digest = hashlib.sha256(f"potrack-simulator:{s.id}".encode()).hexdigest()
    return TradingPartner(s, x12, edifact, cxml, f"sim-{digest[:24]}" if cxml else None)


PARTNERS: dict[str, TradingPartner] = {s.id: _partner(s) for s in SUPPLIERS}


def _quoted(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def partners_toml() -> str:
    """The POTRACK_PARTNERS_FILE of the simulated suppliers (TOML text): one partner per
    supplier, named by its supplier id, with the identifiers its documents carry."""
    out = [
        "# Trading partners of the simulated suppliers (potrack simulate --write-partners).",
        "# Format: services/gateway/partners.py. Generated: edit the simulator, not this file.",
    ]
    for p in PARTNERS.values():
        s = p.supplier
        out += ["", f"[partners.{s.id}]", f"# {s.name} ({s.channel.value})"]
        out += [f'supplier = "{s.id}"', f'recipient = "{p.recipient}"']
        if p.x12:
            out.append(f"x12 = {_quoted([p.x12])}")
        if p.gln:
            out.append(f"edifact = {_quoted([p.gln + ':14'])}")
        if p.anid:
            out.append(f"cxml = {_quoted(['NetworkID:' + p.anid])}")
        out.append(f"email = {_quoted(['@' + s.domain])}")
        if p.shared_secret:
            out.append(f'shared_secret = "{p.shared_secret}"')
        if s.channel is Channel.EDI:
            out.append(f"functional_ack_minutes = {FUNCTIONAL_ACK_MINUTES.get(s.id, 60)}")
        out.append(f'timezone = "{zone_name(s.utc_offset)}"')
    return "\n".join(out) + "\n"
