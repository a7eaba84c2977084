"""Process plumbing: run async services until SIGTERM/SIGINT, then let them finish cleanly."""

import asyncio
import signal
from collections.abc import Callable, Coroutine
from typing import Any

Service = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


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
