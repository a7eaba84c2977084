"""Signed portal links: one per supplier recipient of a PO revision (contract §6, issue 13).

A token is itsdangerous's URL-safe timed serializer over {po, revision, recipient}, signed
with POTRACK_PORTAL_SECRET under a salt of its own, so a token is good for this use only
and names exactly one recipient of one revision: it never opens another supplier's PO.
It expires `days` after it was issued (default 30); the signing time is in the token,
so nothing is stored.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

SALT = "potrack-portal-link"
DEFAULT_DAYS = 30


class LinkError(ValueError):
    """A token potrack did not issue, or tampered with (`expired` False), or one past its
    expiry (`expired` True). The message is safe to show: it names nothing in the token."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class PortalClaim:
    """What a valid token grants: answering `revision` of `po_number` as `recipient`.
    `issued_at` and `expires_at` are UTC instants (whole seconds)."""

    po_number: str
    revision: int
    recipient: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class PortalLink:
    """A link to give a supplier: `url` is `{base_url}/portal/{token}`."""

    claim: PortalClaim
    token: str
    url: str


class _ClockSigner(TimestampSigner):
    """itsdangerous's timestamp signer with an injectable clock (tests, replays)."""

    clock: "datetime | None" = None

    def get_timestamp(self) -> int:
        if self.clock is None:
            return super().get_timestamp()
        return int(self.clock.timestamp())


def _serializer(secret: str, now: datetime | None) -> URLSafeTimedSerializer:
    signer = type("_Signer", (_ClockSigner,), {"clock": now})
    return URLSafeTimedSerializer(secret, salt=SALT, signer=signer)


def issue(
    secret: str,
    po_number: str,
    revision: int,
    recipient: str,
    *,
    base_url: str,
    now: datetime,
    days: int = DEFAULT_DAYS,
) -> PortalLink:
    """A signed link for `recipient` to answer `revision` of `po_number`, valid `days`
    days from `now` (an aware datetime). Raises ValueError for an empty secret or a
    revision below 1."""
    if not secret:
        raise ValueError("no portal secret: set POTRACK_PORTAL_SECRET")
    if revision < 1:
        raise ValueError(f"revision {revision}: expected 1 or more")
    issued = now.astimezone(UTC).replace(microsecond=0)
    token = _serializer(secret, issued).dumps({"po": po_number, "rev": revision, "to": recipient})
    claim = PortalClaim(po_number, revision, recipient, issued, issued + timedelta(days=days))
    return PortalLink(claim, token, f"{base_url.rstrip('/')}/portal/{token}")


def verify(secret: str, token: str, *, now: datetime, days: int = DEFAULT_DAYS) -> PortalClaim:
    """The claim of a token this server issued with `secret`, not older than `days` days
    at `now`. Raises LinkError (tampered, forged, malformed, or `expired`)."""
    if not secret:
        raise LinkError("the portal is not configured")
    serializer = _serializer(secret, now.astimezone(UTC))
    try:
        data, signed = serializer.loads(token, max_age=days * 86400, return_timestamp=True)
    except SignatureExpired as exc:
        raise LinkError("this link has expired", expired=True) from exc
    except BadSignature as exc:
        raise LinkError("this link is not valid") from exc
    if not (
        isinstance(data, dict)
        and isinstance(data.get("po"), str)
        and isinstance(data.get("rev"), int)
        and isinstance(data.get("to"), str)
    ):
        raise LinkError("this link is not valid")
    issued = signed.astimezone(UTC)
    return PortalClaim(data["po"], data["rev"], data["to"], issued, issued + timedelta(days=days))
