"""Prometheus exposition: process metrics plus projection lag, open alerts and failing
notification targets, read on scrape."""

from typing import get_args

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from projections.tables import alerts, positions
from schemas.views import AlertKind
from services import metrics
from services.api.deps import DBDep, StoreDep
from services.api.problems import problems
from services.notify import gauges as notify_gauges

router = APIRouter(tags=["operations"])


def refresh_gauges(store: StoreDep, db: DBDep) -> None:
    """Set the gauges from the database, so any API replica reports the shared truth."""
    head = store.max_notification_id()
    with db.read() as tx:
        for name, position in positions.positions(tx).items():
            metrics.PROJECTION_POSITION.labels(projection=name).set(position)
            metrics.PROJECTION_LAG.labels(projection=name).set(max(0, head - position))
        counts = alerts.open_by_kind(tx)
        notify_gauges.refresh(tx)
    for kind in get_args(AlertKind):
        metrics.OPEN_ALERTS.labels(kind=kind).set(counts.get(kind, 0))


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses=problems(401, ok={"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}),
)
def get_metrics(store: StoreDep, db: DBDep) -> Response:
    refresh_gauges(store, db)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
