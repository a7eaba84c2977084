"""Trading partners (TOML, POTRACK_PARTNERS_FILE): who may send documents, as whom.

    [partners.KOBE-EDI]              # partner id; a potrack-partner header may name it
    supplier = "SUP-F06"             # data.supplier.id of its POs
    recipient = "sup-f06-edi"        # its recipient id in distribution plans
    x12 = ["ZZ:KOBESEIMITSU"]        # ISA05:ISA06 it sends from
    edifact = ["4012345000009:14"]   # UNB sender id[:qualifier]
    cxml = ["NetworkID:AN01000000001"]  # From credential domain:identity
    email = ["orders@kobe.example", "@kobe.example"]  # addresses or domains
    as2 = ["KOBE-AS2"]               # AS2-From of its AS2 MDNs
    shared_secret = "..."            # cXML SharedSecret checked by POST /b2b/cxml
    functional_ack_minutes = 60      # a 997/999/CONTRL is expected within; omit: none
    acknowledgment_hours = 48        # 855/ORDRSP/Confirmation within; omit: SLA policy
    timezone = "Asia/Tokyo"          # IANA zone for X12/EDIFACT dates and times; omit: UTC

Identifiers are compared case-insensitively for email and AS2 (addresses are) and for the
cXML credential domain (``NetworkID`` and ``NetworkId`` both occur), exactly otherwise (as
the standards compare them, after trimming ISA padding).
An identifier may belong to one partner only. Pure apart from `load_partners`.
"""

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from projections.sla import RecipientPolicy
from schemas.events import DocumentFormat

Ident = Annotated[str, Field(min_length=1, max_length=256)]


class Partner(BaseModel):
    """One trading partner: the supplier and recipient it speaks for, its identifiers per
    format, its cXML shared secret and what it is expected to send by when (§2b)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    supplier: Ident
    recipient: Ident
    x12: list[Ident] = Field(default_factory=list)
    edifact: list[Ident] = Field(default_factory=list)
    cxml: list[Ident] = Field(default_factory=list)
    email: list[Ident] = Field(default_factory=list)
    as2: list[Ident] = Field(default_factory=list)
    shared_secret: SecretStr | None = None
    functional_ack_minutes: Annotated[float, Field(gt=0, le=60 * 24 * 366)] | None = None
    acknowledgment_hours: Annotated[float, Field(gt=0, le=24 * 366 * 10)] | None = None
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The zone in which X12 and EDIFACT dates and times of this partner are read."""
        return ZoneInfo(self.timezone)

    def identifiers(self, fmt: DocumentFormat) -> list[str]:
        """Its identifiers for one format (email: addresses, domains and AS2 ids), in the
        form they are compared in (`comparable`)."""
        if fmt is DocumentFormat.EMAIL:
            return [comparable(fmt, i) for i in (*self.email, *self.as2)]
        if fmt is DocumentFormat.CXML:
            return [comparable(fmt, i) for i in self.cxml]
        return {
            DocumentFormat.X12: self.x12,
            DocumentFormat.EDIFACT: self.edifact,
            DocumentFormat.CXML: self.cxml,
        }[fmt]


class Partners:
    """Every partner, found by id or by an identifier a document came from."""

    def __init__(self, partners: Iterable[Partner] = ()) -> None:
        self.by_id: dict[str, Partner] = {}
        self._by_ident: dict[tuple[DocumentFormat, str], Partner] = {}
        for partner in partners:
            self.by_id[partner.id] = partner
            for fmt in DocumentFormat:
                for ident in partner.identifiers(fmt):
                    other = self._by_ident.setdefault((fmt, ident), partner)
                    if other is not partner:
                        raise ValueError(
                            f"identifier {ident!r} ({fmt}) belongs to both {other.id} and "
                            f"{partner.id}"
                        )

    def __len__(self) -> int:
        return len(self.by_id)

    def find(self, fmt: DocumentFormat, senders: Iterable[str]) -> Partner | None:
        """The partner of the first sender identifier that names one; for email an
        address also matches its ``@domain`` entry."""
        for sender in senders:
            key = comparable(fmt, sender)
            found = self._by_ident.get((fmt, key))
            if found is None and fmt is DocumentFormat.EMAIL and "@" in key:
                found = self._by_ident.get((fmt, "@" + key.rpartition("@")[2]))
            if found is not None:
                return found
        return None

    def expectations(self) -> dict[str, RecipientPolicy]:
        """What each partner's recipient is expected to send by when, for the SLA policy
        (the alert deadlines `receipt_overdue` and `acknowledgment_overdue`, §5)."""
        return {
            p.recipient: RecipientPolicy(
                acknowledgment_hours=p.acknowledgment_hours,
                receipt_minutes=p.functional_ack_minutes,
            )
            for p in self.by_id.values()
            if p.acknowledgment_hours is not None or p.functional_ack_minutes is not None
        }


def comparable(fmt: DocumentFormat, identifier: str) -> str:
    """An identifier as it is compared: email and AS2 lower-cased, a cXML credential's
    domain lower-cased (``NetworkID:AN01`` -> ``networkid:AN01``), others as written."""
    identifier = identifier.strip()
    if fmt is DocumentFormat.EMAIL:
        return identifier.lower()
    if fmt is DocumentFormat.CXML:
        domain, colon, identity = identifier.partition(":")
        return f"{domain.lower()}{colon}{identity}"
    return identifier


def parse_partners(text: str, source: str) -> Partners:
    """The partners in TOML `text`; ValueError with one line naming `source` and what is
    wrong (not TOML, a refused key with the reason, an identifier used twice)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"partners file {source}: not TOML: {exc}") from exc
    unknown = sorted(set(raw) - {"partners"})
    if unknown:
        raise ValueError(f"partners file {source}: unknown top-level keys {unknown}")
    table = raw.get("partners", {})
    if not isinstance(table, dict):
        raise ValueError(f"partners file {source}: [partners] must be a table of partners")
    partners = []
    for pid, body in table.items():
        if not isinstance(body, dict):
            raise ValueError(f"partners file {source}: partners.{pid} must be a table")
        try:
            partners.append(Partner.model_validate({**body, "id": pid}))
        except ValidationError as exc:
            wrong = "; ".join(
                f"partners.{pid}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                for e in exc.errors(include_url=False)[:5]
            )
            raise ValueError(f"partners file {source}: {wrong}") from exc
    try:
        return Partners(partners)
    except ValueError as exc:
        raise ValueError(f"partners file {source}: {exc}") from exc


def load_partners(path: Path | None) -> Partners:
    """The partners of the file at `path` (none when unset); ValueError with one line."""
    if path is None:
        return Partners()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"partners file {path}: cannot read it: {exc}") from exc
    return parse_partners(text, str(path))
