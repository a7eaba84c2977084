"""The live alert clock: records a tick every few seconds so deadlines fire on time.

The only wall-clock read of the alerts projection. Each tick is recorded with the
projection position at which it was taken, so a rebuild replays it in the same place and
raises and resolves exactly the same alerts.
"""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from projections.runner import Context
from projections.tables import Database, alerts, ddl, positions
from projections.views.alerts import AlertsProjection
from services.logging import get_logger

log = get_logger(__name__)
Clock = Callable[[], datetime]
WALL_CLOCK: Clock = partial(datetime.now, UTC)


class AlertClock:
    """Ticks the alerts projection every `seconds` (`clock`: the time source, for tests)."""

    def __init__(
        self,
        projection: AlertsProjection,
        db: Database,
        seconds: float,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self.projection, self.db, self.seconds, self.clock = projection, db, seconds, clock
        with db.transaction() as tx:
            ddl.create_all(tx, db.postgres)

    def tick(self) -> bool:
        """One tick in one transaction; False when it was not recorded (a rebuild runs)."""
        with self.db.transaction() as tx:
            # Lock first: the position read must not change until this tick is recorded.
            alerts.lock(tx)
            ctx = Context()
            at = positions.position(tx, self.projection.name)
            recorded = self.projection.tick(tx, self.clock(), at, ctx)
            positions.enqueue(tx, ctx.messages)
        return recorded

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop`; a failed tick is logged and retried by the next one."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.tick)
            except Exception as exc:
                log.error("alert clock tick failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.seconds)
