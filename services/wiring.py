"""The one wiring module: which projections exist and how the long-running services are
composed from the settings, as `async (stop) -> None` callables for `services.runtime`."""

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterator

import uvicorn
from sse_starlette.sse import AppStatus

from projections.runner import Projection, Runner
from projections.sla import SlaPolicy
from projections.views import PROJECTION_NAMES
from projections.views.alerts import AlertsProjection
from projections.views.audit import AuditProjection
from projections.views.commitments import CommitmentsProjection
from projections.views.performance import PerformanceProjection
from projections.views.sent import SentProjection
from projections.views.status import StatusProjection
from services.api.app import create_app
from services.logging import get_logger
from services.notify.rules import load_rules
from services.notify.service import Notifier
from services.runtime import ServiceFailed
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB
from services.workers.outbox import OutboxPublisher
from services.workers.projection_loop import run_projections
from services.workers.watermark import WatermarkFollower

log = get_logger(__name__)


def projection_factories(
    sla: SlaPolicy, checkpoint_every: int = 0
) -> dict[str, Callable[[], Projection]]:
    """Every projection by name, built with the SLA policy where it needs one (and the
    alerts projection's checkpoint period, POTRACK_ALERT_CHECKPOINT_WATERMARKS)."""
    return {
        "status": lambda: StatusProjection(sla),
        "audit": AuditProjection,
        "alerts": lambda: AlertsProjection(sla, checkpoint_every),
        "performance": lambda: PerformanceProjection(sla),
        "commitments": lambda: CommitmentsProjection(sla),
        "sent": SentProjection,
    }


def build_projections(settings: Settings, names: list[str] | None = None) -> list[Projection]:
    """The named projections (all when `names` is empty); ValueError on an unknown name or
    a bad SLA policy file."""
    factories = projection_factories(settings.sla_policy(), settings.alert_checkpoint_watermarks)
    chosen = names or list(PROJECTION_NAMES)
    unknown = sorted(set(chosen) - set(factories))
    if unknown:
        raise ValueError(
            f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(PROJECTION_NAMES)}"
        )
    return [factories[name]() for name in chosen]


def runners(
    settings: Settings, store: EventStore, db: ViewDB, names: list[str] | None
) -> list[Runner]:
    """A runner per named projection over the store's notification log."""
    return [
        Runner(p, store, db, batch=settings.projection_batch_size)
        for p in build_projections(settings, names)
    ]


class Projections:
    """Projection workers plus the outbox publisher (and the watermark follower when alerts run)."""

    def __init__(self, settings: Settings, store: EventStore, db: ViewDB, names: list[str] | None):
        self.settings = settings
        self.db = db
        self.runners = runners(settings, store, db, names)

    async def run(self, stop: asyncio.Event) -> None:
        tasks = [
            run_projections(self.runners, stop, self.settings.projection_poll_seconds),
            OutboxPublisher(self.settings, self.db).run(stop),
        ]
        for runner in self.runners:
            if isinstance(runner.projection, AlertsProjection):
                follower = WatermarkFollower(
                    runner.projection, self.db, self.settings.projection_poll_seconds
                )
                tasks.append(follower.run(stop))
        await asyncio.gather(*tasks)


def notifier(settings: Settings, store: EventStore, db: ViewDB) -> Notifier:
    """The notifier with the rules of POTRACK_NOTIFY_FILE (none: it routes nothing);
    ValueError with one line for a bad rules file."""
    return Notifier(settings, store, db, load_rules(settings.notify_file))


class Api:
    """The read API and dashboard under uvicorn, stopping with the others."""

    def __init__(self, settings: Settings, store: EventStore, db: ViewDB) -> None:
        self.settings = settings
        self.app = create_app(settings, store, db)

    async def run(self, stop: asyncio.Event) -> None:
        config = uvicorn.Config(
            self.app,
            host=self.settings.api_host,
            port=self.settings.api_port,
            log_level="warning",
            lifespan="on",
            # Open dashboards hold event streams: at most this long, then they are cut.
            timeout_graceful_shutdown=2,
        )
        server = _ServerOfProcess(config)
        serving = asyncio.create_task(server.serve())
        log.info("api listening", url=f"http://{self.settings.api_host}:{self.settings.api_port}/")
        waiting = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        server.should_exit = True
        AppStatus.should_exit = True  # sse-starlette: end the event streams now
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        finally:
            AppStatus.should_exit = False  # process-wide: a later server streams again
            waiting.cancel()


class _ServerOfProcess(uvicorn.Server):
    """uvicorn without its own SIGTERM/SIGINT capture: `services.runtime` owns the
    process's signals and stops every service, this one through `stop` (uvicorn's
    capture would hold the signal back from the others until its shutdown ended)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().serve(sockets)
        except SystemExit as exc:
            # uvicorn exits the process when it cannot start (its error line says why, such
            # as a port in use): a failure of this service instead, so the others stop too.
            raise ServiceFailed(f"the API did not start (uvicorn's exit {exc.code})") from None
