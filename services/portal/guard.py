"""What keeps the portal's pages safe (issue 13 item 4): CSRF, rate limits, headers, and
the short-lived note of the answer just sent.

- **CSRF**: fastapi-csrf-protect's double-submit cookie (a random token in the form, the
  same token signed in an HttpOnly, SameSite=Strict cookie). Its key is the portal secret
  joined with the link's token, so a form token is good for that one link only; the cookie
  is scoped to the link's path (`/portal/{token}`), so pages of several links open at once
  do not overwrite each other's. Its settings are constants (the library keeps them on
  its class); the secret is passed on each call.
- **Rate limits**: the `limits` library's moving window in memory, per link (a hash of
  the token) and, for links that fail verification, per client address
  (`POTRACK_PORTAL_RATE_LIMIT`, per API process).
- **Headers** on every portal answer: a Content-Security-Policy without any script,
  no framing, no referrer (the token is in the URL), nothing cached.
- **The answer just sent** travels in a signed cookie (itsdangerous, 15 minutes, the
  link's path), so the page the supplier is sent back to shows it before ingest has it.
"""

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi_csrf_protect import CsrfProtect
from fastapi_csrf_protect.exceptions import CsrfProtectError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

CSRF_COOKIE = "potrack-portal-csrf"
CSRF_FIELD = "csrf"  # the form contract's hidden input
CSRF_SECONDS = 12 * 3600  # how long a page may stay open before its form is refused
SENT_COOKIE = "potrack-portal-sent"
SENT_SECONDS = 15 * 60
SENT_MAX_CHARS = 3000  # a cookie holds about 4 KB: a long answer keeps its lines' count only
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_configured = False


def _csrf() -> CsrfProtect:
    global _configured
    if not _configured:
        CsrfProtect.load_config(
            lambda: [
                ("cookie_key", CSRF_COOKIE),
                ("cookie_samesite", "strict"),
                ("max_age", CSRF_SECONDS),
                ("salt", "potrack-portal-csrf"),
                ("token_location", "body"),
                ("token_key", CSRF_FIELD),
            ]
        )
        _configured = True
    return CsrfProtect()


def _bound(secret: str, token: str) -> str:
    return f"{secret}\x1f{token}"


def link_path(token: str) -> str:
    """The path of a link's page, which its cookies are scoped to."""
    return f"/portal/{token}"


def secure(request: Request) -> bool:
    """Cookies are `Secure` when the page was asked for over https or the public URL is."""
    public = request.app.state.settings.public_base()
    return request.url.scheme == "https" or public.startswith("https://")


def new_csrf(secret: str, token: str, request: Request | None = None) -> tuple[str, str]:
    """The form token for the link's page and its signed cookie value (`set_csrf`): the
    ones of the cookie the browser already holds for this link when it is still good, so
    a second tab (or the link clicked again) leaves the first tab's form valid; else new."""
    held = request.cookies.get(CSRF_COOKIE) if request is not None else None
    if held:
        # The library signs the cookie with this serializer (fastapi_csrf_protect.core);
        # tests/services/portal check that a page opened twice still takes the first form.
        serializer = URLSafeTimedSerializer(_bound(secret, token), salt="fastapi-csrf-token")
        try:
            plain = serializer.loads(held, max_age=CSRF_SECONDS)
        except BadSignature:
            plain = None
        if isinstance(plain, str):
            return plain, held
    plain, signed = _csrf().generate_csrf_tokens(_bound(secret, token))
    return plain, signed


def set_csrf(request: Request, response: Response, token: str, signed: str) -> None:
    """Set the link's CSRF cookie (HttpOnly, SameSite=Strict, the link's path)."""
    response.set_cookie(
        CSRF_COOKIE,
        signed,
        max_age=CSRF_SECONDS,
        path=link_path(token),
        secure=secure(request),
        httponly=True,
        samesite="strict",
    )


async def csrf_refusal(secret: str, token: str, request: Request) -> str | None:
    """None when the posted form (already read: `await request.form()`) carries the
    link's form token and its cookie; else why not, in a few words."""
    try:
        await _csrf().validate_csrf(request, secret_key=_bound(secret, token))
    except CsrfProtectError as exc:
        return exc.message
    return None


@dataclass
class Limiter:
    """Moving-window limits per key, in this process's memory."""

    items: list[RateLimitItem]
    window: MovingWindowRateLimiter

    @classmethod
    def of(cls, text: str) -> "Limiter":
        """From `POTRACK_PORTAL_RATE_LIMIT` (validated by the settings)."""
        return cls(parse_many(text), MovingWindowRateLimiter(MemoryStorage()))

    def hit(self, *key: str) -> float | None:
        """Count a request of `key`: None when allowed, else the seconds until it is."""
        refused = [item for item in self.items if not self.window.hit(item, *key)]
        if not refused:
            return None
        resets = [self.window.get_window_stats(item, *key).reset_time for item in refused]
        return max(1.0, max(resets) - time.time())


def link_key(token: str) -> str:
    """What the limits count a link by (not the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def guarded(response: Response) -> Response:
    """`response` with the portal's security headers."""
    response.headers.update(HEADERS)
    return response


def _sent_serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="potrack-portal-sent")


def remember_sent(
    secret: str, token: str, note: dict[str, Any], request: Request, response: Response
) -> None:
    """Set the signed note of the answer just sent (`note`: JSON-ready, with `data.lines`
    replaced by their count when it would not fit a cookie)."""
    value = _sent_serializer(secret).dumps(note)
    if len(value) > SENT_MAX_CHARS:
        data = dict(note["data"])
        data["lines"] = len(data.get("lines", ()))
        value = _sent_serializer(secret).dumps(note | {"data": data})
    response.set_cookie(
        SENT_COOKIE,
        value,
        max_age=SENT_SECONDS,
        path=link_path(token),
        secure=secure(request),
        httponly=True,
        samesite="strict",
    )


def sent_note(secret: str, request: Request) -> dict[str, Any] | None:
    """The note of the answer just sent, when its cookie is there, signed and fresh."""
    value = request.cookies.get(SENT_COOKIE)
    if not value:
        return None
    try:
        note = _sent_serializer(secret).loads(value, max_age=SENT_SECONDS)
    except BadSignature:
        return None
    return note if isinstance(note, dict) else None
