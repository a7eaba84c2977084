"""What the notifier delivered about one PO: notifications and supplier reminders."""

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from projections.tables import notifications
from schemas.views import AlertKind
from services.api.deps import DBDep, StoreDep
from services.api.problems import problems
from services.api.routes.pos import unknown_po

router = APIRouter(tags=["purchase orders"])


class NotificationEntry(BaseModel):
    """One alert transition delivered to one target (`potrack notify`)."""

    sent_at: str = Field(description="When the target accepted the message, RFC 3339.")
    target: str = Field(
        description="Who got it: `buyer <email>`, `supplier <email>`, or an Apprise URL "
        "with its secrets masked."
    )
    message: Literal["notification", "reminder"] = Field(
        description="`reminder`: the supplier was asked for its order acknowledgment."
    )
    alert_id: str
    revision: int
    kind: AlertKind
    recipient: str | None = Field(description="The PO recipient the alert is about.")
    transition: Literal["raised", "resolved"]
    level: int = Field(description="The alert's escalation level at that transition.")
    digest: int = Field(description="How many transitions that message listed (1: alone).")


@router.get(
    "/pos/{po_number}/notifications",
    response_model=list[NotificationEntry],
    summary="Notifications and supplier reminders sent about one PO, oldest first",
    responses=problems(401, 404, 422),
)
def get_notifications(po_number: str, store: StoreDep, db: DBDep) -> list[dict[str, Any]]:
    with db.read() as tx:
        rows = notifications.of_po(tx, po_number)
    if not rows and not store.facts(po_number):
        raise unknown_po(po_number)
    return rows
