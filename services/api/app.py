"""The FastAPI application: routers, token check, problem errors, latency, static files.

The API documents (`/docs`: Swagger UI, `/redoc`: ReDoc) load their scripts and styles
from this server, not from a CDN, so they work without internet: the files are those the
fastapi-offline package ships (a maintained copy of swagger-ui-dist and ReDoc's standalone
bundle), served from its package directory at `/docs-assets/` (open, like the dashboard's
static files). ReDoc's bundle also shows Redocly's logo from a CDN: that one address is
replaced by an empty image, so nothing of the documents is fetched from elsewhere.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from services.api import problems
from services.api.problems import Problem, ProblemError
from services.api.routes import (
    alerts,
    audit,
    b2b,
    commitments,
    dashboard,
    finance,
    health,
    metrics,
    notifications,
    portal,
    portal_links,
    pos,
    suppliers,
)
from services.api.security import require_token, require_token_or_query
from services.api.summary import SummaryCache, build_summary
from services.api.timing import LatencyMiddleware
from services.logging import get_logger
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB

DESCRIPTION = """\
Read API of potrack (docs/contract.md §6): PO status views, audit trails, alerts, supplier
performance, commitments, Prometheus metrics, a live dashboard at `/` and the supplier
portal at `/portal/{token}` (HTML pages; the signed link is their credential, so the API
token does not apply there, nor to `POST /b2b/cxml`).

Errors are `application/problem+json` (RFC 9457). When `POTRACK_API_TOKEN` is set,
every endpoint but `/health` and `/ready` needs `Authorization: Bearer <token>`; the
dashboard pages and `/events/stream` also take it as `?token=` (browsers cannot send
headers there), e.g. `http://127.0.0.1:8080/?token=...`. This document (`/openapi.json`;
`/docs` and `/redoc` show it, also as `?token=`) is behind the token too; the dashboard's
static assets and those of `/docs` and `/redoc` hold no data and are open (served by this
server: the documents work without internet). Times are RFC 3339.
"""


def _version() -> str:
    try:
        return version("potrack")
    except PackageNotFoundError:
        return "0"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    if app.state.documents is not None:  # POST /b2b/cxml started a producer
        await app.state.documents.close()
    if getattr(app.state, "portal", None) is not None:  # the portal published an event
        await app.state.portal.close()


def create_app(
    settings: Settings, store: EventStore, db: ViewDB, *, stream_interval: float = 1.0
) -> FastAPI:
    """The read API over an open store and views database (missing view tables are created,
    so an API started before any projection answers empty). ValueError for a bad SLA
    policy file. `store` and `db` may be None only to describe the API (OpenAPI).

    Endpoints run sync store/database work in FastAPI's threadpool; no background
    task is needed (the dashboard summary is rebuilt on demand, at most once a second).
    """
    app = FastAPI(
        title="potrack read API",
        version=_version(),
        description=DESCRIPTION,
        # Served below behind the token: docs/contract.md §6 leaves only /health and /ready open.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.db = db
    if db is not None:
        db.ensure_tables()
    app.state.sla = settings.sla_policy()
    app.state.partners = settings.partners()
    app.state.documents = None
    app.state.portal = None  # services.portal.runtime, made by the first portal request
    if settings.portal_secret is not None and settings.api_token is None and store is not None:
        get_logger(__name__).warning(
            "the portal is on (POTRACK_PORTAL_SECRET) but the API has no token "
            "(POTRACK_API_TOKEN): whoever reaches this address can get any supplier's "
            "portal link from GET /pos/{po}/portal-links; set a token unless only trusted "
            "hosts reach it"
        )
    app.state.stream_interval = stream_interval
    app.state.summary = SummaryCache(
        lambda: build_summary(store, db), ttl=min(1.0, stream_interval)
    )
    problems.install(app)
    app.add_middleware(LatencyMiddleware)
    app.include_router(health.router)
    guarded = [Depends(require_token)]
    for module in (
        pos,
        portal_links,
        audit,
        notifications,
        commitments,
        finance,
        alerts,
        suppliers,
        metrics,
    ):
        app.include_router(module.router, dependencies=guarded)
    app.include_router(dashboard.router)
    app.include_router(b2b.router)  # its own credential: the partner's cXML shared secret
    app.include_router(portal.router)  # its own credential: the link's signed token
    app.mount("/static", StaticFiles(directory=dashboard.STATIC), name="static")
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _document_routes(app)
    return app


# Swagger UI's and ReDoc's files as fastapi-offline ships them, by the name they are served at.
DOCS_ASSETS = files("fastapi_offline") / "static"
DOCS_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}
REDOCLY_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = (
    b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"
)
CACHED = {"Cache-Control": "public, max-age=86400"}


def _document_routes(app: FastAPI) -> None:
    guarded = [Depends(require_token_or_query)]

    def document_url(token: str | None) -> str:
        return "/openapi.json" + (f"?{urlencode({'token': token})}" if token else "")

    redoc_js = (DOCS_ASSETS / "redoc.standalone.js").read_bytes().replace(REDOCLY_LOGO, EMPTY_IMAGE)

    @app.get("/docs-assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        """Swagger UI's and ReDoc's scripts and styles (no data: open without a token)."""
        if name not in DOCS_TYPES:
            raise ProblemError(404, "not-found", "Not found", f"no document asset {name!r}")
        if name == "redoc.standalone.js":
            return Response(redoc_js, media_type=DOCS_TYPES[name], headers=CACHED)
        path = str(DOCS_ASSETS / name)
        return FileResponse(path, media_type=DOCS_TYPES[name], headers=CACHED)

    @app.get("/openapi.json", include_in_schema=False, dependencies=guarded)
    def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=guarded)
    def swagger(token: str | None = None) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=document_url(token),
            title=f"{app.title} docs",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
            # No badge from the public validator (it would send the document away).
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False, dependencies=guarded)
    def redoc(token: str | None = None) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=document_url(token),
            title=f"{app.title} reference",
            redoc_js_url="/docs-assets/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the Problem schema every error response refers to."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema()
        app.openapi_schema = schema
    return app.openapi_schema
