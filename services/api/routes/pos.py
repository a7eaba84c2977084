"""Status views: one PO (now or as of an event time) and keyset pages of them."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from projections.tables import status
from schemas.status import POStatus
from schemas.views import LinesView, StatusView
from services import reads
from services.api.deps import DBDep, SlaDep, StoreDep
from services.api.params import InstantText, decode_cursor, encode_cursor, parse_instant
from services.api.problems import ProblemError, problems
from services.store.events import EventStore

router = APIRouter(tags=["purchase orders"])

AS_OF = Query(
    description="RFC 3339 instant with offset: the view computed from the events whose "
    "event `time` is at or before it; `overdue` then says whether a deadline due by then "
    "was missed by then.",
    examples=["2025-03-03T12:00:00Z"],
)


class StatusPage(BaseModel):
    items: list[StatusView]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


def unknown_po(po_number: str, detail: str | None = None) -> ProblemError:
    return ProblemError(
        404,
        "unknown-po",
        "Unknown purchase order",
        detail or f"no event was ever recorded for PO {po_number!r}",
    )


@router.get(
    "/pos/{po_number}",
    response_model=StatusView,
    summary="The status view of one PO",
    responses=problems(401, 404, 422),
)
def get_po(
    po_number: str,
    store: StoreDep,
    db: DBDep,
    sla: SlaDep,
    as_of: Annotated[InstantText | None, AS_OF] = None,
) -> dict[str, Any]:
    return _found(
        store,
        po_number,
        as_of,
        lambda: reads.current_view(store, db, po_number, sla),
        lambda when: reads.po_view_as_of(store, po_number, when, sla),
    )


def _found(
    store: EventStore,
    po_number: str,
    as_of: str | None,
    now: Callable[[], dict[str, Any] | None],
    then: Callable[[datetime], dict[str, Any] | None],
) -> dict[str, Any]:
    """`now()`, or `then(as_of)` for an `as_of` text; a 404 problem when it finds nothing
    (saying so when the PO only has later events), a 422 for a bad instant."""
    if as_of is None:
        view = now()
    else:
        view = then(parse_instant("as_of", as_of))
        if view is None and store.facts(po_number):
            raise unknown_po(po_number, f"no event of PO {po_number!r} at or before {as_of}")
    if view is None:
        raise unknown_po(po_number)
    return view


@router.get(
    "/pos/{po_number}/lines",
    response_model=LinesView,
    summary="The lines of one PO and what each supplier answered, with deviations",
    description="Each line of the current revision with every supplier recipient's answer "
    "(its counting acknowledgment of that revision) compared with the PO line: quantity, "
    "unit price, promised vs need-by date, and whether it is within the supplier's "
    "tolerance (the SLA policy). `as_of`: from the events up to that instant.",
    responses=problems(401, 404, 422),
)
def get_po_lines(
    po_number: str,
    store: StoreDep,
    sla: SlaDep,
    as_of: Annotated[InstantText | None, AS_OF] = None,
) -> dict[str, Any]:
    return _found(
        store,
        po_number,
        as_of,
        lambda: reads.lines_now(store, po_number, sla),
        lambda when: reads.lines_as_of(store, po_number, when, sla),
    )


@router.get(
    "/pos",
    response_model=StatusPage,
    summary="A page of status views in PO-number order",
    responses=problems(401, 422),
)
def list_pos(
    db: DBDep,
    status_: Annotated[
        POStatus | None, Query(alias="status", description="Only POs with this status.")
    ] = None,
    supplier: Annotated[str | None, Query(description="Only POs of this supplier id.")] = None,
    overdue: Annotated[
        bool | None, Query(description="Only POs that are (true) or are not (false) overdue.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    with db.read() as tx:
        items, more = status.page(
            tx,
            status=status_.value if status_ else None,
            supplier=supplier,
            overdue=overdue,
            after=after,
            limit=limit,
        )
    next_cursor = encode_cursor(items[-1]["po_number"]) if more and items else None
    return {"items": items, "next_cursor": next_cursor}
