"""Finance commitments (CONTRACT §5 shape) of one PO, or listed by state and supplier."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from projections.commitments_view import get_commitment, list_commitments
from schemas.views import Commitment, CommitmentState
from services.api.deps import DBDep, TablesDep
from services.api.problems import ProblemError, problems

router = APIRouter(tags=["commitments"])


@router.get(
    "/pos/{po_number}/commitment",
    response_model=Commitment,
    summary="The finance commitment of one PO",
    responses=problems(401, 404),
)
def get_po_commitment(po_number: str, db: DBDep, tables: TablesDep) -> dict[str, Any]:
    with db.read() as tx:
        found = get_commitment(tx, po_number) if tables.has(tx, "commitments") else None
    if found is None:
        raise ProblemError(
            404,
            "unknown-commitment",
            "No commitment",
            f"no commitment for PO {po_number!r}: never seen, or not approved yet",
        )
    return found


@router.get(
    "/commitments",
    response_model=list[Commitment],
    summary="Commitments in PO-number order",
    responses=problems(401, 422),
)
def get_commitments(
    db: DBDep,
    tables: TablesDep,
    state: Annotated[CommitmentState | None, Query(description="Only this state.")] = None,
    supplier: Annotated[str | None, Query(description="Only this supplier id.")] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="At most this many.")] = 500,
) -> list[dict[str, Any]]:
    with db.read() as tx:
        if not tables.has(tx, "commitments"):
            return []
        return list_commitments(tx, state=state, supplier=supplier, limit=limit)
