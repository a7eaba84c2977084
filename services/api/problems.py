"""RFC 9457 problem details: every error of the API is application/problem+json."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:potrack:problem:"
TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    422: "Invalid request",
    500: "Internal server error",
    503: "Service not ready",
}


class Problem(BaseModel):
    """An error: `type` names the kind of problem, `detail` says what went wrong here."""

    type: str = Field(examples=[f"{TYPE_PREFIX}unknown-po"])
    title: str = Field(examples=["Unknown purchase order"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["no event was ever recorded for PO-1001"])


class ProblemError(Exception):
    """Raise to answer with a problem; `extra` adds members (e.g. the failed checks)."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.headers, self.extra = headers, extra


def problem_response(
    status: int,
    kind: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": TYPE_PREFIX + kind, "title": title, "status": status, "detail": detail}
    return JSONResponse(
        jsonable_encoder(body | extra), status, headers=headers, media_type=PROBLEM_JSON
    )


def problems(*codes: int, ok: dict[str, Any] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses`: problem documents for `codes`, plus `ok` as the 200 entry."""
    found: dict[int | str, dict[str, Any]] = {} if ok is None else {200: ok}
    for code in codes:
        found[code] = {
            "description": TITLES.get(code, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return found


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("query", "path", "body", "header"))


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status, exc.kind, exc.title, exc.detail, headers=exc.headers, **exc.extra
    )


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{_where(tuple(e['loc'])) or 'request'}: {e['msg']}" for e in errors)
    return problem_response(422, "invalid-request", "Invalid request", detail, errors=errors)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = TITLES.get(exc.status_code, "Error")
    kind = title.lower().replace(" ", "-")
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route for {request.method} {request.url.path}"
    return problem_response(exc.status_code, kind, title, detail, headers=exc.headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
