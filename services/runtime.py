"""Process plumbing: how every long-running command runs, stops and exits.

One mechanism, whatever state the process is in (starting, waiting for the broker or the
store, retrying, working, shutting down):

- `handle_signals()`, the first thing a long-running command does, makes SIGTERM and
  SIGINT *request a stop*: the stop event of the running services is set, and a watchdog
  starts.
- `run_services(*services)` runs async services side by side until a stop is requested
  or one of them ends. Each service gets the stop event and finishes the unit of work
  in hand (a batch is one store transaction).
- Every wait of a service is a wait on that event: `idle` (polling, backoff) returns at
  once, and a retry of `services.retry` raises `Stopped` instead of sleeping on, so a
  service still waiting for the broker or the store stops at once.
- A service still running GRACE_SECONDS after the signal is cancelled (safe: whatever it
  writes is one transaction or idempotent, the design's exactly-once rule).
- The watchdog ends a process still alive DEADLINE_SECONDS after the signal (a thread
  blocked in a driver call, a close that hangs); a second signal ends it at once. Either
  prints one line on stderr.

Exit codes: 0 after a requested stop in which every service returned within the grace
period (or when every service ended by itself); 1 when a service failed (its error is
logged); 128 + the signal number (130 for SIGINT, 143 for SIGTERM: what a shell reports
for a process the signal killed) when the stop had to be forced: services cancelled after
the grace period, the deadline passed, or a second signal.

Own code rather than a library's: asyncio's runner only turns SIGINT into a cancellation
of the main task, and uvicorn and FastStream each handle signals for their own server
only; a process that runs several parts needs one owner of its signals (uvicorn's capture
is switched off in `services.wiring.Api`).
"""

import asyncio
import contextlib
import contextvars
import gc
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from services.logging import get_logger

log = get_logger(__name__)

Service = Callable[[asyncio.Event], Coroutine[Any, Any, None]]

GRACE_SECONDS = 3.0  # after the signal: services finish their unit of work, then are cancelled
DEADLINE_SECONDS = 7.0  # after the signal: the process exits, whatever it is doing
SIGNALS = (signal.SIGTERM, signal.SIGINT)

# Every event allocates a small graph of pydantic objects, which triggers the cyclic
# garbage collector every 700 allocations by default: rarer young collections made ingest
# 35-45 % faster in the benchmark, at the price of a little more short-lived memory.
GC_THRESHOLDS = (20_000, 50, 50)


class Stopped(Exception):
    """A wait cut short because the process is stopping (`pause`, the retries): the
    service that waited returns without finishing what it was starting."""


class ServiceFailed(Exception):
    """A service cannot go on, for a reason its message says in full: logged as one line,
    without a traceback (any other error of a service is logged with its traceback)."""


def tune_gc() -> None:
    """For throughput-bound processes: fewer young-generation collections, and the objects
    alive after start-up (modules, settings) moved out of the collector's way."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# The stop event of the services running in this context: `run_until_signalled` sets it,
# and every task it starts (and every task those start) sees it, so a retry deep inside a
# service stops without the event being passed down to it.
_stop_event: contextvars.ContextVar[asyncio.Event | None] = contextvars.ContextVar(
    "potrack_stop_event", default=None
)


class _Process:
    """This process's stop request: signals are per process, so this is one object."""

    def __init__(self) -> None:
        self.previous: dict[int, Any] | None = None  # the handlers ours replaced
        self.starting = False  # between `handle_signals` and `run_services`
        self.signum: int | None = None  # the first signal received
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        self.generation = 0  # one per `handle_signals`: a watchdog of an earlier one stands down

    def on_signal(self, signum: int, _frame: object) -> None:
        # A Python-level handler runs in the main thread between two bytecodes: no logging
        # here (the logger's lock may be held by the code it interrupted).
        if self.signum is not None:
            _exit_now(signum, f"{_name(signum)} again")
        self.signum = signum
        threading.Thread(
            target=_watchdog,
            args=(signum, self.generation),
            name="potrack-stop-deadline",
            daemon=True,
        ).start()
        if self.loop is not None and self.stop is not None:
            self.loop.call_soon_threadsafe(self._requested, self.stop)
        elif self.starting:
            # Still opening stores and reading files: nothing is under way that a
            # shutdown would finish, so the start-up is abandoned where it stands (as
            # KeyboardInterrupt would, and for SIGTERM too); transactions roll back.
            _write(f"potrack: {_name(signum)} while starting: stopped\n")
            raise SystemExit(0)

    def _requested(self, stop: asyncio.Event) -> None:
        assert self.signum is not None
        if not stop.is_set():
            log.info("stopping", signal=_name(self.signum), grace_seconds=GRACE_SECONDS)
        stop.set()


_process = _Process()


def _name(signum: int) -> str:
    return signal.Signals(signum).name


def forced_exit_code(signum: int) -> int:
    """128 + the signal number: the shell's code for a process that signal killed."""
    return 128 + signum


def _write(line: str) -> None:
    with contextlib.suppress(OSError):
        os.write(2, line.encode())  # no lock, no buffer: safe from a handler or a thread


def _exit_now(signum: int, why: str) -> None:
    code = forced_exit_code(signum)
    _write(f"potrack: {why}: exiting without a clean shutdown (exit {code})\n")
    os._exit(code)


def _watchdog(signum: int, generation: int) -> None:
    time.sleep(DEADLINE_SECONDS)
    if _process.generation == generation and _process.previous is not None:
        _exit_now(signum, f"still running {DEADLINE_SECONDS:g} s after {_name(signum)}")


def handle_signals() -> Callable[[], None]:
    """Make SIGTERM and SIGINT stop this process (the module docstring says how), from now
    until the returned function is called, which puts the previous handlers back. Call it
    first in a long-running command, before it opens anything: a signal while it starts
    ends it at once (exit 0, one line on stderr). A signal the process inherited as
    ignored stays ignored. Calling it again while installed returns a function that does
    nothing. Main thread only (ValueError otherwise, as `signal.signal`)."""
    if _process.previous is not None:
        return lambda: None
    _process.generation += 1
    _process.signum = None
    # A signal the parent ignores stays ignored: a shell starts background jobs with
    # SIGINT ignored, so that Ctrl-C reaches only the foreground command.
    wanted = [sig for sig in SIGNALS if signal.getsignal(sig) is not signal.SIG_IGN]
    _process.previous = {sig: signal.signal(sig, _process.on_signal) for sig in wanted}
    _process.starting = True
    return _restore


def _restore() -> None:
    if _process.previous is None:
        return
    for sig, handler in _process.previous.items():
        signal.signal(sig, handler)
    _process.previous = None
    _process.starting = False
    _process.signum = None


def stop_requested() -> bool:
    """True once SIGTERM or SIGINT was received (while `handle_signals` is in force)."""
    return _process.signum is not None


def stopping() -> asyncio.Event | None:
    """The stop event of the services running in this context (`run_until_signalled`), or
    None outside them (a command, a test calling a service function directly)."""
    return _stop_event.get()


async def idle(stop: asyncio.Event | None, seconds: float) -> bool:
    """Wait `seconds`, or less when `stop` is set meanwhile; True when it is set. With no
    event, a plain sleep."""
    if stop is None:
        await asyncio.sleep(seconds)
        return False
    if not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def pause(seconds: float) -> None:
    """A retry's sleep (`services.retry`): `seconds`, but `Stopped` is raised as soon as
    the services of this context are stopping (at once when they already are)."""
    if await idle(stopping(), seconds):
        raise Stopped


async def run_until_signalled(*services: Service) -> int:
    """Run services side by side until a stop is requested (`handle_signals`) or one of
    them ends; then stop them all: each gets GRACE_SECONDS from the signal to return,
    after which it is cancelled. Returns the exit code (module docstring); an error of a
    service is logged, not raised."""
    stop = asyncio.Event()
    token = _stop_event.set(stop)
    _process.loop, _process.stop = asyncio.get_running_loop(), stop
    if _process.signum is not None:  # a signal came while the command was starting
        _process._requested(stop)
    tasks = [
        asyncio.create_task(service(stop), name=_service_name(service)) for service in services
    ]
    forced = False
    try:
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([*tasks, stopped], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        stop.set()
        _, running = await asyncio.wait(tasks, timeout=GRACE_SECONDS)
        if running:
            forced = True
            log.warning(
                "still running after the grace period: cancelling",
                services=sorted(t.get_name() for t in running),
                grace_seconds=GRACE_SECONDS,
            )
            for task in running:
                task.cancel()
            await asyncio.wait(running)
    finally:
        _process.loop = _process.stop = None
        _stop_event.reset(token)
    code = _exit_code(tasks, forced)
    if _process.signum is not None or code:  # not after a command that simply ended
        log.info("stopped", exit_code=code)
    return code


def _service_name(service: Service) -> str:
    owner = getattr(service, "__self__", None)
    return type(owner).__name__ if owner is not None else getattr(service, "__name__", "service")


def _exit_code(tasks: list["asyncio.Task[None]"], forced: bool) -> int:
    code = 0
    for task in tasks:
        if task.cancelled():
            continue
        error = task.exception()
        if error is None or isinstance(error, Stopped):
            continue
        trace = None if isinstance(error, ServiceFailed) else error
        log.error("service failed", service=task.get_name(), error=str(error), exc_info=trace)
        code = 1
    if code == 0 and forced and _process.signum is not None:
        code = forced_exit_code(_process.signum)
    return code


def run_services(*services: Service) -> int:
    """The body of a long-running command: run the services on a new event loop until
    stopped (`run_until_signalled`) and return the exit code (module docstring). Signals
    are handled from here on when the command has not called `handle_signals` itself (and
    then only until this returns). The caller closes what it opened."""
    restore = handle_signals()
    _process.starting = False  # from now on a signal asks the services to stop
    try:
        return asyncio.run(run_until_signalled(*services))
    finally:
        restore()


async def periodically(
    stop: asyncio.Event, every: float, step: Callable[[], Awaitable[object]], failed: str
) -> None:
    """Await `step()` every `every` seconds until `stop`. An error is logged as `failed`
    and the next round tries again (a database away for a moment)."""
    while not stop.is_set():
        try:
            await step()
        except Stopped:
            return
        except Exception as exc:
            log.error(failed, error=str(exc))
        await idle(stop, every)
