"""The audit trail of one PO: every accepted event and anomaly with its hash-chain link."""

import re
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from projections.audit import to_csv, to_jsonl
from projections.tables import audit
from services.api.deps import DBDep, StoreDep
from services.api.problems import problems
from services.api.routes.pos import unknown_po

router = APIRouter(tags=["purchase orders"])


class AuditFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    JSONL = "jsonl"


class AuditEntry(BaseModel):
    """Entries are returned byte-for-byte as hashed, so anyone can re-check the chain."""

    seq: int
    notification_id: int
    po_number: str
    type: str
    source: str
    id: str
    time: str = Field(description="Event time, RFC 3339.")
    recorded_at: str = Field(description="When potrack accepted the event, RFC 3339.")
    topic: str | None
    partition: int | None
    offset: int | None
    anomalies: list[str]
    data: dict[str, Any]
    prev_hash: str = Field(description="hash of the previous entry (64 zeros for the first).")
    hash: str = Field(description="SHA-256 of prev_hash + canonical JSON of the entry.")


FORMATS = {
    "text/csv": {"schema": {"type": "string"}},
    "application/x-ndjson": {"schema": {"type": "string"}},
}


@router.get(
    "/pos/{po_number}/audit",
    summary="Audit trail of one PO in recorded order",
    response_model=None,
    responses=problems(401, 404, 422, ok={"model": list[AuditEntry], "content": FORMATS}),
)
def get_audit(
    po_number: str,
    store: StoreDep,
    db: DBDep,
    format: Annotated[
        AuditFormat, Query(description="json (default), csv or jsonl (one entry per line).")
    ] = AuditFormat.JSON,
) -> Response:
    with db.read() as tx:
        entries = audit.entries(tx, po_number)
    # An empty trail of a recorded PO only means the audit projection has not caught up.
    if not entries and not store.facts(po_number):
        raise unknown_po(po_number)
    if format is AuditFormat.CSV:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", po_number)  # header text must stay ASCII
        return Response(
            to_csv(entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{safe}-audit.csv"'},
        )
    if format is AuditFormat.JSONL:
        return Response(to_jsonl(entries), media_type="application/x-ndjson")
    return JSONResponse(entries)
