"""Simulated suppliers and their behaviour profiles, channels, catalogue and buyers."""

from dataclasses import dataclass
from typing import NamedTuple

from schemas.status import Channel

ERP_SOURCES = ("urn:erp:sap-prod", "urn:erp:sap-prod", "urn:erp:sap-prod", "urn:erp:oracle-ebs")
GATEWAY = {c: f"urn:gateway:{c.value}" for c in Channel}
# potrack's own supplier portal (contract §6): views and answers of portal suppliers.
PORTAL_SOURCE = "urn:potrack:portal"
ACK_SOURCE = GATEWAY | {Channel.PORTAL: PORTAL_SOURCE}


class Transport(NamedTuple):
    """What a channel's gateway reports: evidence strings and failure (code, reason) pairs.

    The evidence strings are those the B2B gateway gives the documents that carry them
    (contract §2b): a DSN `delivered` from the supplier's mail server, a 997 or CONTRL, a
    cXML StatusUpdateRequest 200; the submitting relay's SMTP 250 is only `po.sent`.
    """

    delivered: str
    received: str
    permanent: tuple[str, str]
    transient: tuple[str, str]


TRANSPORTS = {
    Channel.EMAIL: Transport(
        "email-dsn-delivered",
        "email-read-receipt",
        ("5.1.1", "550 5.1.1 <{address}>: user unknown"),
        ("4.4.1", "421 4.4.1 timeout"),
    ),
    Channel.EDI: Transport(
        "as2-mdn",
        "edi-997-accepted",
        ("as2-mdn-failed", "AS2 MDN error: decryption-failed"),
        ("as2-503", "AS2 HTTP 503"),
    ),
    Channel.CXML: Transport(
        "http-202",
        "cxml-status-200",
        ("401", "cXML 401 Unauthorized: shared secret"),
        ("503", "cXML 503 Unavailable"),
    ),
    Channel.PORTAL: Transport(
        "http-202",
        "portal-viewed",
        ("403", "portal account {address} deactivated"),
        ("503", "portal maintenance"),
    ),
    Channel.API: Transport(
        "http-202",
        "api-status-callback",
        ("404", "HTTP 404 Not Found from {address}"),
        ("429", "HTTP 429 rate limited"),
    ),
}


@dataclass(frozen=True)
class Behaviour:
    """How a supplier answers: acknowledgment delay in hours (None: never), and odds per PO."""

    name: str
    ack_hours: tuple[float, float] | None
    changes: float = 0.12  # accepts with changes to lines
    reject: float = 0.02
    bounce: float = 0.0  # permanent delivery failure: a dead address
    transient: float = 0.03  # temporary failures, retried (attempt 2, 3) before delivery
    stale: float = 0.0  # answers the old revision after a change order
    receipt: float = 0.5  # reports that it took the PO in (read receipt, 997, portal view)


BEHAVIOURS = {
    b.name: b
    for b in (
        Behaviour("fast", (0.05, 2.0)),
        Behaviour("steady", (2.0, 30.0)),
        Behaviour("slow", (30.0, 150.0), changes=0.2),
        Behaviour("silent", None, receipt=0.3),
        Behaviour("bouncing", (1.0, 24.0), bounce=0.6),
        Behaviour("flaky", (1.0, 24.0), transient=0.7),
        Behaviour("stale", (6.0, 48.0), stale=0.9),
        Behaviour("haggler", (2.0, 48.0), changes=0.55, reject=0.05),
        Behaviour("picky", (1.0, 24.0), changes=0.15, reject=0.3),
    )
}


@dataclass(frozen=True)
class Supplier:
    id: str
    name: str
    channel: Channel
    behaviour: Behaviour
    currency: str
    terms_days: int
    utc_offset: float  # hours; the supplier's own systems stamp local time
    domain: str

    @property
    def edifact(self) -> bool:
        """Whether its EDI is UN/EDIFACT (ORDERS, CONTRL, ORDRSP) rather than X12."""
        return self.channel is Channel.EDI and self.id in EDIFACT_SUPPLIERS

    def address(self, channel: Channel, mailbox: str = "orders") -> str:
        return {
            Channel.EMAIL: f"{mailbox}@{self.domain}",
            Channel.EDI: f"AS2-{self.id.replace('-', '')}",
            Channel.CXML: f"https://b2b.{self.domain}/cxml/order",
            Channel.PORTAL: f"portal:{self.id}",
            Channel.API: f"https://api.{self.domain}/v2/purchase-orders",
        }[channel]


EDIFACT_SUPPLIERS = frozenset({"SUP-1003", "SUP-1008"})  # the other EDI suppliers speak X12
_SUPPLIERS = """\
SUP-1001|Acme Industrial Supply|edi|fast|USD|30|-5|acme-industrial.example
SUP-1002|Northwind Fasteners|email|steady|USD|45|-6|northwind-fasteners.example
SUP-1003|Müller Präzisionstechnik GmbH|edi|steady|EUR|60|1|mueller-praezision.example
SUP-1004|Globex Electronics|cxml|fast|USD|30|-8|globex.example
SUP-1005|Initech Office Products|portal|slow|USD|30|-6|initech.example
SUP-1006|Umbrella Lab Supplies|email|silent|USD|30|-5|umbrella-labs.example
SUP-1007|Brightline Packaging Ltd|email|bouncing|GBP|30|0|brightline-pack.example
SUP-1008|Nordic Steel AB|edi|flaky|SEK|30|1|nordicsteel.example
SUP-1009|Soylent Food Service|portal|stale|USD|15|-6|soylent-fs.example
SUP-1010|Hooli Cloud Services|api|fast|USD|30|-8|hooli.example
SUP-1011|Vandelay Industries|email|haggler|USD|45|-5|vandelay.example
SUP-1012|Tanaka Seiki Co., Ltd.|edi|slow|JPY|60|9|tanaka-seiki.example
SUP-1013|Dupont Fournitures SARL|email|picky|EUR|45|1|dupont-fournitures.example
SUP-1014|Maple Leaf Logistics|portal|steady|CAD|30|-5|mapleleaf-logistics.example
SUP-1015|Alpine Werkzeuge AG|cxml|stale|CHF|30|1|alpine-werkzeuge.example
SUP-1016|Stark Heavy Equipment|edi|haggler|USD|60|-5|stark-heavy.example
SUP-1017|Wayne Chemical Co|cxml|steady|USD|45|-6|waynechem.example
SUP-1018|Oceanic Marine Parts|email|flaky|USD|30|-10|oceanic-marine.example
SUP-1019|Cyberdyne Automation|api|picky|USD|30|-8|cyberdyne.example
SUP-1020|Rossi Componenti S.p.A.|email|slow|EUR|90|1|rossi-componenti.example
SUP-1021|Pemberton Office Supplies|email|silent|GBP|30|0|pemberton-office.example
SUP-1022|Kowalski Elektro Sp. z o.o.|email|bouncing|EUR|30|1|kowalski-elektro.example
SUP-1023|Sunrise Textiles Pvt Ltd|email|slow|USD|60|5.5|sunrise-textiles.example
SUP-1024|Gringotts Facility Services|portal|silent|GBP|14|0|gringotts-fs.example
SUP-1025|Zenith Bearings Inc|edi|fast|USD|30|-5|zenith-bearings.example
SUP-1026|Al Qurain Industrial Trading Co. W.L.L.|cxml|slow|KWD|45|3|alqurain-trading.example
"""
SUPPLIERS = tuple(
    Supplier(i, n, Channel(c), BEHAVIOURS[b], cur, int(t), float(tz), d)
    for i, n, c, b, cur, t, tz, d in (row.split("|") for row in _SUPPLIERS.splitlines())
)
CATALOG = (  # sku, description, unit price range in USD, quantity range
    ("BRG-6204-2RS", "Deep groove ball bearing 6204-2RS", 2.4, 6.9, 20, 500),
    ("FST-M8X40-A2", "Hex bolt M8x40 stainless A2, box of 100", 14.0, 22.0, 5, 80),
    ("PLT-EURO-1200", "Euro pallet 1200x800, heat treated", 9.5, 16.0, 20, 400),
    ("CBL-CAT6-305", "Cat6 U/UTP cable, 305 m reel", 85.0, 140.0, 1, 30),
    ("GLV-NIT-L", "Nitrile gloves size L, box of 100", 6.0, 11.0, 10, 300),
    ("PPR-A4-80", "Copy paper A4 80 g/m2, box of 5 reams", 18.0, 29.0, 5, 120),
    ("MTR-IE3-7K5", "Three-phase motor IE3 7.5 kW", 610.0, 890.0, 1, 6),
    ("VLV-BALL-DN50", "Ball valve DN50 PN40 stainless", 120.0, 210.0, 2, 40),
    ("SNS-PT100-B", "PT100 temperature sensor class B", 22.0, 48.0, 5, 100),
    ("SVC-MAINT-HR", "Preventive maintenance, per hour", 85.0, 140.0, 4, 80),
    ("LIC-CLOUD-USR", "Cloud workspace licence, per user-year", 96.0, 180.0, 10, 500),
    ("STL-PLATE-S355", "Steel plate S355 10 mm, per tonne", 780.0, 1100.0, 1, 25),
)
FX = {  # units of each currency per USD; prices keep the currency's ISO 4217 minor units
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "CAD": 1.36,
    "CHF": 0.88,
    "SEK": 10.6,
    "JPY": 151.0,
    "KWD": 0.307,
}
BUYERS = ("m.garcia", "a.okafor", "l.schmidt", "k.tanaka", "j.smith")
INTERNAL = (  # recipient id, channel, address, share of POs that include it
    ("ap-inbox", Channel.EMAIL, "ap-invoices@buyer.example", 0.55),
    ("receiving-dock", Channel.PORTAL, "portal:receiving-hamburg", 0.10),
    ("contracts-archive", Channel.API, "https://archive.buyer.example/api/po", 0.05),
)
REVISE_REASONS = {
    "quantity": "quantity increased on request of the plant",
    "date": "need-by date moved",
    "price": "price corrected to the framework agreement",
    "line": "additional line added",
}
LINE_COUNTS = (1, 1, 1, 2, 2, 3, 4, 6, 9)
REJECT_REASONS = ("price not valid", "item discontinued", "cannot meet the need-by date")
CANCEL_REASONS = ("duplicate order", "project cancelled", "ordered from another supplier")
