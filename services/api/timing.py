"""Request latency histogram, labelled by route template (not raw path: bounded cardinality)."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.metrics import REQUEST_LATENCY


def route_label(scope: Scope) -> str:
    """The matched route's template, e.g. /pos/{po_number}; 'unmatched' for 404s."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class LatencyMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so streaming responses pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            REQUEST_LATENCY.labels(
                method=scope["method"], route=route_label(scope), status=str(status)
            ).observe(time.perf_counter() - started)
