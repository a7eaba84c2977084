"""The one retry policy for broker and store calls (tenacity): exponential backoff from
0.5 s up to 30 s, a warning line per failed try, forever for services or a bounded number
of attempts for commands. A wait between tries ends as soon as the process is stopping
(`services.runtime.pause` raises `Stopped`), so a retry never holds up SIGTERM."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_never,
    wait_exponential,
)

from services.logging import get_logger
from services.runtime import pause

log = get_logger(__name__)
T = TypeVar("T")
Retried = tuple[type[BaseException], ...]
FIRST_WAIT, MAX_WAIT = 0.5, 30.0  # seconds


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` consecutive failures of a loop that must go on
    with other work meanwhile (the projection loop): the same curve as `with_retry`."""
    return float(min(MAX_WAIT, FIRST_WAIT * 2 ** max(0, failures - 1)))


def _warn(what: str, event: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(event, what=what, attempt=state.attempt_number, error=str(error))

    return before_sleep


async def with_retry(
    what: str,
    action: Callable[[], Awaitable[T]],
    *,
    on: Retried,
    attempts: int = 0,
    event: str = "unavailable, retrying",
) -> T:
    """Await `action()` until it does not raise one of `on`; other errors propagate at once.

    attempts=0 retries forever (services); a positive number bounds it and re-raises the
    last error (commands). `what` and `event` name the call in the warning lines. Raises
    `services.runtime.Stopped` instead of waiting for the next try once the services of
    this context are stopping.
    """
    retrying = AsyncRetrying(
        sleep=pause,
        retry=retry_if_exception_type(on),
        wait=wait_exponential(multiplier=FIRST_WAIT, max=MAX_WAIT),
        stop=stop_never if attempts == 0 else stop_after_attempt(attempts),
        before_sleep=_warn(what, event),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await action()
    raise AssertionError("unreachable: tenacity re-raises the last error")


def call_with_retry(
    what: str, action: Callable[[], T], *, on: Retried, attempts: int, event: str
) -> T:
    """`with_retry` for synchronous calls, always bounded: `attempts` tries, then the last
    error propagates."""
    for attempt in Retrying(
        retry=retry_if_exception_type(on),
        wait=wait_exponential(multiplier=FIRST_WAIT / 5, max=MAX_WAIT),
        stop=stop_after_attempt(attempts),
        before_sleep=_warn(what, event),
        reraise=True,
    ):
        with attempt:
            return action()
    raise AssertionError("unreachable: tenacity re-raises the last error")
