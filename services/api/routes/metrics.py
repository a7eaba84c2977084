"""Prometheus exposition: process metrics plus projection lag and open alerts, read on scrape."""

from typing import get_args

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from schemas.views import AlertKind
from services import metrics
from services.api.deps import DBDep, StoreDep, TablesDep
from services.api.problems import problems

router = APIRouter(tags=["operations"])


def refresh_gauges(store: StoreDep, db: DBDep, tables: TablesDep) -> None:
    """Set the gauges from the database, so any API replica reports the shared truth."""
    head = store.max_notification_id()
    with db.read() as tx:
        if tables.has(tx, "projection_positions"):
            for row in tx.all("SELECT name, position FROM projection_positions"):
                position = int(row["position"])
                metrics.PROJECTION_POSITION.labels(projection=row["name"]).set(position)
                metrics.PROJECTION_LAG.labels(projection=row["name"]).set(max(0, head - position))
        if tables.has(tx, "alerts"):
            counts = {
                row["kind"]: int(row["n"])
                for row in tx.all(
                    "SELECT kind, COUNT(*) AS n FROM alerts WHERE resolved_at IS NULL GROUP BY kind"
                )
            }
            for kind in get_args(AlertKind):
                metrics.OPEN_ALERTS.labels(kind=kind).set(counts.get(kind, 0))


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses=problems(401, ok={"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}),
)
def get_metrics(store: StoreDep, db: DBDep, tables: TablesDep) -> Response:
    refresh_gauges(store, db, tables)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
