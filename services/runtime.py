"""Process plumbing: run async services until SIGTERM/SIGINT, then let them finish cleanly."""

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from services.logging import get_logger

log = get_logger(__name__)

Service = Callable[[asyncio.Event], Coroutine[Any, Any, None]]

# Every event allocates a small graph of pydantic objects, which triggers the cyclic
# garbage collector every 700 allocations by default: rarer young collections made ingest
# 35-45 % faster in the benchmark, at the price of a little more short-lived memory.
GC_THRESHOLDS = (20_000, 50, 50)


def tune_gc() -> None:
    """For throughput-bound processes: fewer young-generation collections, and the objects
    alive after start-up (modules, settings) moved out of the collector's way."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def run_until_signalled(*services: Service) -> None:
    """Run services side by side; a signal (or one service ending) stops them all."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(service(stop)) for service in services]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def periodically(
    stop: asyncio.Event, every: float, step: Callable[[], Awaitable[object]], failed: str
) -> None:
    """Await `step()` every `every` seconds until `stop`. An error is logged as `failed`
    and the next round tries again (a database away for a moment)."""
    while not stop.is_set():
        try:
            await step()
        except Exception as exc:
            log.error(failed, error=str(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
