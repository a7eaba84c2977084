"""Long-running services as `async (stop) -> None` callables, composed by the CLI."""

import asyncio
import contextlib

from projections.db import ViewDB
from projections.outbox import OutboxPublisher
from projections.runner import Runner
from projections.worker import run_projections
from services.logging import get_logger
from services.settings import Settings
from services.store import EventStore
from services.wiring import build_projections

log = get_logger(__name__)


def runners(
    settings: Settings, store: EventStore, db: ViewDB, names: list[str] | None
) -> list[Runner]:
    return [
        Runner(p, store, db, batch=settings.projection_batch_size)
        for p in build_projections(settings, names)
    ]


class Projections:
    """Projection workers plus the outbox publisher (and the alert clock when alerts run)."""

    def __init__(self, settings: Settings, store: EventStore, db: ViewDB, names: list[str] | None):
        self.settings = settings
        self.db = db
        self.runners = runners(settings, store, db, names)

    async def run(self, stop: asyncio.Event) -> None:
        from projections.alerts_view import AlertClock

        tasks = [
            run_projections(self.runners, stop, self.settings.projection_poll_seconds),
            OutboxPublisher(self.settings, self.db).run(stop),
        ]
        alerts = next((r for r in self.runners if r.name == "alerts"), None)
        if alerts is not None:
            clock = AlertClock(alerts.projection, self.db, self.settings.alert_clock_seconds)  # type: ignore[arg-type]
            tasks.append(clock.run(stop))
        await asyncio.gather(*tasks)


class Api:
    """The read API and dashboard under uvicorn, stopping with the others."""

    def __init__(self, settings: Settings, store: EventStore, db: ViewDB) -> None:
        from services.api.app import create_app

        self.settings = settings
        self.app = create_app(settings, store, db)

    async def run(self, stop: asyncio.Event) -> None:
        import uvicorn

        config = uvicorn.Config(
            self.app,
            host=self.settings.api_host,
            port=self.settings.api_port,
            log_level="warning",
            lifespan="on",
        )
        server = uvicorn.Server(config)
        # uvicorn captures SIGTERM/SIGINT while serving and re-raises them on exit, so
        # our own handlers still see the signal and stop every other service.
        serving = asyncio.create_task(server.serve())
        log.info("api listening", url=f"http://{self.settings.api_host}:{self.settings.api_port}/")
        waiting = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        waiting.cancel()
