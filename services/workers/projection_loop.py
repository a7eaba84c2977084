"""The projection worker loop: step every runner, sleep when idle, report lag."""

import asyncio
import logging
import sqlite3

import psycopg

from projections.runner import ConcurrentProjectionError, Runner
from services import metrics
from services.heartbeat import work_level
from services.logging import get_logger
from services.retry import backoff
from services.runtime import idle

log = get_logger(__name__)
UNIQUE_VIOLATIONS = (psycopg.errors.UniqueViolation, sqlite3.IntegrityError)


async def run_projections(runners: list[Runner], stop: asyncio.Event, poll_seconds: float) -> None:
    """Apply batches until `stop`; a batch in hand is always finished (it is one txn)."""
    for runner in runners:
        if runner.upgraded is not None:
            log.warning(
                "projection rows made under another SLA policy: rebuilding from the first event"
                if runner.policy_changed
                else "projection rows of another version: rebuilding from the first event",
                projection=runner.name,
                stored_version=runner.upgraded[0],
                version=runner.upgraded[1],
            )
        log.info("projection started", projection=runner.name, position=runner.position())
    failures = 0
    sharing: set[str] = set()  # projections that met another process's batch since idle
    while not stop.is_set():
        busy = False
        for runner in runners:
            try:
                step = await asyncio.to_thread(runner.step)
            except ConcurrentProjectionError as exc:
                # Expected while another process shares the projection (a second worker,
                # `potrack replay`): each batch is applied by one of them.
                _shared(runner.name, sharing, exc)
                continue
            except Exception as exc:
                # Two processes applied the same batch at once: the one that committed first
                # won, the other's insert of the same row failed before its position check
                # (the audit projection's rows). Sharing too, when the position moved.
                if isinstance(exc, UNIQUE_VIOLATIONS) and await asyncio.to_thread(
                    runner.moved_by_another
                ):
                    _shared(runner.name, sharing, exc)
                    continue
                failures += 1
                log.error("projection step failed", projection=runner.name, error=str(exc))
                await idle(stop, backoff(failures))
                continue
            failures = 0
            if not step.applied:  # caught up: a later conflict is a new spell
                sharing.discard(runner.name)
            metrics.PROJECTION_LAG.labels(projection=runner.name).set(step.lag)
            metrics.PROJECTION_POSITION.labels(projection=runner.name).set(step.position)
            if step.applied:
                busy = True
                log.log(
                    work_level(step.applied, step.seconds),  # routine: DEBUG, see the summary
                    "projection batch",
                    projection=runner.name,
                    applied=step.applied,
                    position=step.position,
                    lag=step.lag,
                    ms=round(step.seconds * 1000, 1),
                )
        if not busy:
            await idle(stop, poll_seconds)
    log.info("projections stopped", positions={r.name: r.position() for r in runners})


def _shared(name: str, sharing: set[str], exc: Exception) -> None:
    """Say once a spell (INFO, then DEBUG) that another process applies `name`'s batches."""
    level = logging.DEBUG if name in sharing else logging.INFO
    sharing.add(name)
    log.log(
        level,
        "projection shared with another process: its batches are skipped here",
        projection=name,
        error=str(exc),
    )
