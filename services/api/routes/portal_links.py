"""`GET /pos/{po}/portal-links`: the portal links of a PO for the system that sends it
(contract §6, issue 13 item 1), behind the API token like every /pos route."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from schemas.views import PortalLink, PortalLinks, dump
from services.api.deps import StoreDep
from services.api.problems import ProblemError, problems
from services.api.routes.pos import unknown_po
from services.portal.issuing import links_for

router = APIRouter(tags=["supplier portal"])


def not_configured() -> ProblemError:
    return ProblemError(404, "portal-not-configured", "Not found", "the portal is not configured")


@router.get(
    "/pos/{po_number}/portal-links",
    response_model=PortalLinks,
    summary="The supplier portal links of one PO",
    description="A link (`{public_url}/portal/{token}`, signed with POTRACK_PORTAL_SECRET, "
    "valid POTRACK_PORTAL_LINK_DAYS days from now) for every supplier recipient of the "
    "current revision: its page shows that revision and takes the recipient's answer. "
    "404 when no event of the PO was recorded, or when the portal is not configured.",
    responses=problems(401, 404, 422),
)
def portal_links(po_number: str, request: Request, store: StoreDep) -> dict[str, Any]:
    settings = request.app.state.settings
    if settings.portal_secret is None:
        raise not_configured()
    aggregate = store.get(po_number)
    if aggregate is None:
        raise unknown_po(po_number)
    state = aggregate.state
    found = links_for(
        state,
        secret=settings.portal_secret.get_secret_value(),
        base_url=settings.public_base(),
        now=datetime.now(UTC),
        days=settings.portal_link_days,
    )
    links = [
        PortalLink(
            recipient=link.claim.recipient,
            revision=link.claim.revision,
            url=link.url,
            expires_at=link.claim.expires_at,
        )
        for link in found
    ]
    return dump(PortalLinks(po_number=po_number, revision=state.revision, links=links))
