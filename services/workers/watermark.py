"""The alerts projection's follower of the ingest watermark.

Ingest records a watermark every clock period even when no event comes
(`services.ingest.consumer`); the projection runner only steps when new notifications
arrive. This worker judges, while the log is quiet, the watermarks recorded at or below
the alerts projection's position, so a live deadline is judged within about one clock
period of passing. It never reads the wall clock: the watermarks carry the time.
"""

import asyncio

from projections.runner import Context
from projections.tables import Database, alerts, ddl, positions, watermarks
from projections.views.alerts import AlertsProjection
from services.logging import get_logger
from services.runtime import idle

log = get_logger(__name__)


class WatermarkFollower:
    """Applies new watermarks to the alerts projection every `seconds`."""

    def __init__(self, projection: AlertsProjection, db: Database, seconds: float) -> None:
        self.projection, self.db, self.seconds = projection, db, seconds
        with db.transaction() as tx:
            ddl.create_all(tx, db.postgres)

    def follow(self) -> int:
        """Judge the pending watermarks in one transaction; how many there were."""
        # Most calls find nothing new: look in a read transaction before taking the write
        # lock (SQLite has one for the whole file, and the runners need it).
        with self.db.read() as tx:
            judged, _ = alerts.cursor(tx)
            if not watermarks.after(tx, judged, positions.position(tx, self.projection.name), 1):
                return 0
        with self.db.transaction() as tx:
            # Lock first: the position read must not move until the watermarks are judged.
            alerts.lock(tx)
            at = positions.position(tx, self.projection.name)
            # During a rebuild (`potrack replay`), what was published before is not again.
            ctx = Context(replaying=positions.replaying(tx, self.projection.name, at))
            judged = self.projection.advance(tx, at, ctx)
            positions.enqueue(tx, ctx.messages)
        return judged

    async def run(self, stop: asyncio.Event) -> None:
        """Follow until `stop`; a failure is logged and retried the next time."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.follow)
            except Exception as exc:
                log.error("watermark follower failed", error=str(exc))
            await idle(stop, self.seconds)
