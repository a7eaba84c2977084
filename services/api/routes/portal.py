"""`GET` and `POST /portal/{token}`: the supplier's acknowledgment page, no login
(contract §6, issue 13). The signed token is the credential: the API token does not
apply, like `POST /b2b/cxml`.

Each request: the portal configured (else 404), the link's rate limit (429), the token
(403: forged, tampered, expired; nothing published), the PO and the link's revision and
supplier recipient known to the store (404, saying nothing more). `GET` renders the page
and publishes the first view as `po.received` (`portal-viewed`). `POST` takes the form
(`services.portal.form`): 409 when a newer revision exists or the PO was cancelled, 403
without the page's CSRF token, 422 with the page and each error by its field, 503 when
the broker cannot take the answer, else `po.acknowledged` is on the broker and the
answer is `303 See Other` back to the page, which shows it.
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException

from projections.fold import PoState
from projections.status import render as render_view
from schemas.events import RevisedData
from schemas.status import RecipientKind
from schemas.views import dump
from services.api.problems import ProblemError
from services.logging import get_logger
from services.portal import events, guard
from services.portal.form import FormErrors, read_answer
from services.portal.links import LinkError, PortalClaim, verify
from services.portal.page import openness, page_of
from services.portal.publish import BROKER_ERRORS
from services.portal.render import ASSETS, STATIC, message_html, page_html
from services.portal.runtime import portal_of

router = APIRouter(tags=["supplier portal"])
log = get_logger(__name__)
MAX_FORM_BYTES = 1024 * 1024
PUBLISH_SECONDS = 15.0
HTML: dict[str, Any] = {"content": {"text/html": {}}}
PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "A forged, tampered or expired link (or, POST, no CSRF token)", **HTML},
    404: {"description": "The portal is not configured, or the order is not known", **HTML},
    429: {"description": "Too many requests for this link; see Retry-After", **HTML},
}
FORM_FIELDS = {
    "type": "object",
    "properties": {
        "csrf": {"type": "string", "description": "The hidden input of the page's form."},
        "decision": {"type": "string", "enum": ["accepted", "accepted_with_changes", "rejected"]},
        "supplier_reference": {"type": "string", "maxLength": 512},
        "reason": {"type": "string", "maxLength": 512, "description": "Needed to reject."},
    },
    "patternProperties": {
        r"^line-\d+-decision$": {
            "type": "string",
            "enum": ["accepted", "changed", "backordered", "rejected"],
        },
        r"^line-\d+-(quantity|unit_price)$": {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
        r"^line-\d+-promised_date$": {"type": "string", "format": "date"},
    },
}


Loaded = tuple[PoState, RevisedData, dict[str, Any]]  # the PO, the link's revision, its view


def message(
    status: int, title: str, text: str, hint: str | None = None, **headers: str
) -> Response:
    """A plain page with the portal's security headers."""
    body = message_html(title, text, hint)
    return guard.guarded(HTMLResponse(body, status_code=status, headers=headers or None))


def unknown() -> Response:
    return message(404, "Order not found", "This order is not known here (yet).")


async def admit(request: Request, token: str) -> tuple[str, PortalClaim] | Response:
    """The portal secret and the link's claim, or the answer that refuses the request."""
    settings = request.app.state.settings
    if settings.portal_secret is None:
        return message(404, "Not available", "The portal is not configured.")
    portal = portal_of(request.app)
    wait = portal.limiter.hit("link", guard.link_key(token))
    if wait is not None:
        return too_many(wait)
    secret = settings.portal_secret.get_secret_value()
    try:
        claim = verify(secret, token, now=datetime.now(UTC), days=settings.portal_link_days)
    except LinkError as exc:
        client = request.client.host if request.client else "-"
        wait = portal.limiter.hit("client", client)
        if wait is not None:
            return too_many(wait)
        hint = "Ask the buyer for a new link." if exc.expired else "Check the link is whole."
        return message(403, "Link not valid", f"Sorry: {exc}.", hint)
    return secret, claim


def too_many(wait: float) -> Response:
    seconds = str(int(wait + 0.999))
    text = f"Please try again in {seconds} seconds."
    return message(429, "Too many requests", text, **{"Retry-After": seconds})


async def load(request: Request, claim: PortalClaim) -> Loaded | Response:
    """The PO's folded state, the link's revision and the status view, or a 404 page: a
    link names one supplier recipient of one revision, nothing else is shown."""
    app = request.app.state

    aggregate = await run_in_threadpool(app.store.get, claim.po_number)
    state = aggregate.state if aggregate is not None else None
    plan = state.plan(claim.revision) if state is not None else None
    if state is None or plan is None:
        return unknown()
    named = next((r for r in plan.recipients if r.id == claim.recipient), None)
    if named is None or named.kind is not RecipientKind.SUPPLIER:
        return unknown()
    # The status view from the same state as the rest of the page (`projections.status`),
    # so the status and the answer on record agree even while a projection catches up.
    return state, plan, dump(render_view(state, sla=app.sla))


def render(
    request: Request, token: str, status: int, claim: PortalClaim, loaded: Loaded, **shown: Any
) -> Response:
    """The page (`page_of` with `shown`), with a new CSRF token when it takes an answer."""
    state, plan, view = loaded
    secret = request.app.state.settings.portal_secret.get_secret_value()
    signed = None
    if openness(claim, state) == "open":
        shown["csrf"], signed = guard.new_csrf(secret, token, request)
    sent = guard.sent_note(secret, request)
    if sent and sent.get("data", {}).get("revision") != claim.revision:
        sent = None
    page = page_of(claim, state, plan, view, sent=sent, **shown)
    response = guard.guarded(HTMLResponse(page_html(page), status_code=status))
    if signed is not None:
        guard.set_csrf(request, response, token, signed)
    return response


@router.get(
    "/portal/{token}",
    response_class=HTMLResponse,
    summary="The supplier's acknowledgment page of one PO revision (signed link, no login)",
    responses=PAGE_RESPONSES,
)
async def portal_page(token: str, request: Request) -> Response:
    admitted = await admit(request, token)
    if isinstance(admitted, Response):
        return admitted
    _, claim = admitted
    loaded = await load(request, claim)
    if isinstance(loaded, Response):
        return loaded
    if openness(claim, loaded[0]) != "cancelled":
        portal_of(request.app).views.publish(*events.viewed(claim, datetime.now(UTC)))
    return render(request, token, 200, claim, loaded)


@router.post(
    "/portal/{token}",
    response_class=HTMLResponse,
    status_code=303,
    summary="Answer the PO revision of a portal link (the page's form)",
    description="`application/x-www-form-urlencoded` as the page's form sends it; per PO "
    "line N: `line-N-decision`, `line-N-quantity`, `line-N-unit_price`, "
    "`line-N-promised_date`. 303 to the page once `po.acknowledged` is on the broker.",
    responses={
        **PAGE_RESPONSES,
        409: {"description": "A newer revision exists, or the PO was cancelled", **HTML},
        411: {"description": "A form sent without Content-Length (chunked)", **HTML},
        413: {"description": "A form over 1 MiB", **HTML},
        422: {"description": "The page again, each error by its field", **HTML},
        503: {"description": "The broker cannot take the answer now", **HTML},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": FORM_FIELDS}},
        }
    },
)
async def portal_answer(token: str, request: Request) -> Response:
    admitted = await admit(request, token)
    if isinstance(admitted, Response):
        return admitted
    secret, claim = admitted
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        # A browser sends a form with its length; a stream without one (chunked) could be
        # any size, and Starlette reads an urlencoded form whole.
        return message(411, "Length required", "Send the form with its Content-Length.")
    if int(length) > MAX_FORM_BYTES:
        return message(413, "Form too large", "This form is larger than an answer can be.")
    loaded = await load(request, claim)
    if isinstance(loaded, Response):
        return loaded
    state, plan, _ = loaded
    if openness(claim, state) != "open":
        return render(request, token, 409, claim, loaded)
    try:
        form = await request.form(max_files=0, max_fields=5 * len(plan.lines) + 20)
    except MultiPartException as exc:
        return message(400, "Form not readable", str(exc))
    refusal = await guard.csrf_refusal(secret, token, request)
    if refusal is not None:
        log.warning("portal form without a valid CSRF token", po_number=claim.po_number)
        hint = "Open the link again (cookies must be on) and send your answer once more."
        return message(403, "Form expired", "This form could not be checked.", hint)
    fields = first_values(form.multi_items())
    try:
        answer = read_answer(fields, plan)
    except FormErrors as exc:
        return render(request, token, 422, claim, loaded, values=fields, errors=exc.errors)
    track = state.track(claim.revision, claim.recipient)
    sent = guard.sent_note(secret, request)  # this browser's last answer to this link
    last = (
        (str(sent["id"]), str(sent["answer"]))
        if sent and "answer" in sent and sent.get("data", {}).get("revision") == claim.revision
        else None
    )
    topic, event = events.answered(
        claim, answer, track.ack if track else None, datetime.now(UTC), last_sent=last
    )
    try:
        await portal_of(request.app).publisher.publish(topic, event, PUBLISH_SECONDS)
    except BROKER_ERRORS as exc:
        log.error("portal answer not published", po_number=claim.po_number, error=str(exc))
        text = "Your answer could not be recorded just now: please send it again in a minute."
        return render(request, token, 503, claim, loaded, values=fields, message=text)
    log.info("portal answer", po_number=claim.po_number, recipient=claim.recipient, id=event["id"])
    response = guard.guarded(RedirectResponse(guard.link_path(token), status_code=303))
    note = {
        "id": event["id"],
        "at": event["time"],
        "data": event["data"],
        "answer": events.digest(answer),
    }
    guard.remember_sent(secret, token, note, request, response)
    return response


@router.api_route(
    "/portal/{token}", methods=["PUT", "PATCH", "DELETE", "OPTIONS"], include_in_schema=False
)
def portal_other(token: str) -> Response:
    """Any other method: 405 naming both the page's (Starlette would name the first route's)."""
    text = "This page is read with GET and answered with POST."
    return message(405, "Method not allowed", text, Allow="GET, POST")


def first_values(items: list[tuple[str, Any]]) -> dict[str, str]:
    """The form's text fields, the first value of each (files are no answer)."""
    found: dict[str, str] = {}
    for name, value in items:
        if isinstance(value, str):
            found.setdefault(name, value)
    return found


@router.get("/portal-assets/{name}", include_in_schema=False)
def portal_asset(name: str) -> Response:
    """The portal's stylesheet (no data: open)."""
    if name not in ASSETS:
        raise ProblemError(404, "not-found", "Not found", f"no portal asset {name!r}")
    return FileResponse(
        STATIC / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=3600"}
    )
