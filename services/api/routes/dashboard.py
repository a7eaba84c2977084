"""The live dashboard: its pages, the summary as JSON, and the same pushed over SSE."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from sse_starlette import EventSourceResponse

from services.api.problems import problems
from services.api.security import require_token, require_token_or_query
from services.api.summary import SummaryCache, fingerprint

STATIC = Path(__file__).resolve().parent.parent / "static"
QueryToken = Annotated[None, Depends(require_token_or_query)]
HeaderToken = Annotated[None, Depends(require_token)]

router = APIRouter(tags=["dashboard"])


def _cache(request: Request) -> SummaryCache:
    return request.app.state.summary


@router.get("/", include_in_schema=False)
def dashboard_page(_: QueryToken) -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/ui/po/{po_number}", include_in_schema=False)
def po_page(po_number: str, _: QueryToken) -> FileResponse:
    return FileResponse(STATIC / "po.html", headers={"Cache-Control": "no-cache"})


@router.get(
    "/dashboard/summary",
    summary="What the dashboard shows: counts, alerts, POs needing action, suppliers",
    responses=problems(401),
)
def summary(request: Request, _: HeaderToken) -> dict[str, Any]:
    return _cache(request).get()


async def _summaries(request: Request) -> AsyncIterator[dict[str, str]]:
    cache = _cache(request)
    interval: float = request.app.state.stream_interval
    last = None
    while True:
        current = await asyncio.to_thread(cache.get)
        mark = fingerprint(current)
        if mark != last:
            last = mark
            yield {"event": "summary", "data": json.dumps(current, default=str)}
        await asyncio.sleep(interval)


@router.get(
    "/events/stream",
    summary="Server-sent events: a `summary` event whenever the dashboard summary changes",
    response_class=EventSourceResponse,
    responses=problems(
        401, 422, ok={"content": {"text/event-stream": {"schema": {"type": "string"}}}}
    ),
)
async def stream(request: Request, _: QueryToken) -> EventSourceResponse:
    return EventSourceResponse(_summaries(request), ping=15)
