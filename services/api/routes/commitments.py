"""Finance commitments (docs/contract.md §5 shape) of one PO, or listed by state and supplier."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from projections.tables import commitments
from schemas.views import Commitment, CommitmentState
from services import reads
from services.api.deps import DBDep, SlaDep, StoreDep
from services.api.params import InstantText, parse_instant
from services.api.problems import ProblemError, problems

router = APIRouter(tags=["commitments"])


@router.get(
    "/pos/{po_number}/commitment",
    response_model=Commitment,
    summary="The finance commitment of one PO",
    responses=problems(401, 404, 422),
)
def get_po_commitment(
    po_number: str,
    db: DBDep,
    store: StoreDep,
    sla: SlaDep,
    as_of: Annotated[
        InstantText | None,
        Query(description="RFC 3339: the commitment from the events up to that instant."),
    ] = None,
) -> dict[str, Any]:
    if as_of is not None:
        found = reads.commitment_as_of(store, po_number, parse_instant("as_of", as_of), sla)
    else:
        with db.read() as tx:
            found = commitments.get(tx, po_number)
    if found is None:
        raise ProblemError(
            404,
            "unknown-commitment",
            "No commitment",
            f"no commitment for PO {po_number!r}: never seen, or not approved yet"
            + (f" at {as_of}" if as_of else ""),
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
    state: Annotated[CommitmentState | None, Query(description="Only this state.")] = None,
    supplier: Annotated[str | None, Query(description="Only this supplier id.")] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="At most this many.")] = 500,
) -> list[dict[str, Any]]:
    with db.read() as tx:
        return commitments.listing(tx, state=state, supplier=supplier, limit=limit)
