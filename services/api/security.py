"""Bearer-token check (POTRACK_API_TOKEN): everything but /health and /ready needs it.

Browsers cannot put a header on an EventSource or on a page they navigate to, so the
dashboard pages and the SSE stream also take the token as a `?token=` query parameter
(`http://host:8080/?token=...`); the page's JS then sends it as a bearer header.
Static assets (CSS/JS, no data) are served without a token; /openapi.json and /docs
take the header or `?token=` like the pages.
"""

import secrets
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.api.problems import ProblemError

bearer = HTTPBearer(
    auto_error=False,
    description="`Authorization: Bearer <POTRACK_API_TOKEN>`; only checked when the token is set.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def check_token(request: Request, supplied: str | None, *, query: bool = False) -> None:
    """Raise a 401 problem unless the token is unset or `supplied` equals it."""
    expected = request.app.state.settings.api_token
    if expected is None:
        return
    if not supplied:
        raise ProblemError(
            401,
            "missing-token",
            "Authentication required",
            "send the API token as 'Authorization: Bearer <token>'"
            + (" or as ?token=<token>" if query else ""),
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(
        supplied.encode("utf-8"), expected.get_secret_value().encode("utf-8")
    ):
        raise ProblemError(
            401,
            "invalid-token",
            "Invalid token",
            "the bearer token does not match POTRACK_API_TOKEN",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


def require_token(request: Request, credentials: Credentials) -> None:
    """Header only: the JSON API."""
    check_token(request, credentials.credentials if credentials else None)


def require_token_or_query(
    request: Request,
    credentials: Credentials,
    token: Annotated[
        str | None,
        Query(description="The API token, for clients that cannot send headers (EventSource)."),
    ] = None,
) -> None:
    """Header or `?token=`: the dashboard pages and the event stream."""
    check_token(request, credentials.credentials if credentials else token, query=True)
