"""The simulated portal suppliers at work: each portal visit of live traffic (a
`services.simulate.traffic.SimEvent` with `visit`) done over HTTP against the running
potrack, in a small thread pool of its own so that the traffic never waits for a page.
The steps and the form are `services.simulate.portal` (why urllib: see there)."""

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import OpenerDirector, Request

from services.logging import get_logger
from services.simulate.portal import (
    RETRIES,
    TIMEOUT,
    GaveUp,
    NotYet,
    csrf_of,
    detail,
    form_fields,
    json_of,
    opener,
    pick_link,
)
from services.simulate.traffic import SimEvent

log = get_logger(__name__)
WORKERS = 8


class PortalSuppliers:
    """Does the portal visits of live traffic against potrack at `api` (its base URL),
    with the API token `token` when one is set. `outcomes` counts what came of them:
    `portal_viewed`, `portal_answered`, `portal_stale` (an answer to a revision that is
    no longer open, which the portal takes none of: one INFO line) and `portal_gave_up`
    (one warning line each)."""

    def __init__(
        self,
        api: str,
        token: str | None = None,
        *,
        retries: Sequence[float] = RETRIES,
        timeout: float = TIMEOUT,
    ) -> None:
        self.api = api.rstrip("/")
        self.token = token
        self.retries = tuple(retries)
        self.timeout = timeout
        self.outcomes: Counter[str] = Counter()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="portal-supplier")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def visit(self, event: SimEvent) -> None:
        """Start the visit `event` stands for (never blocks; never raises for it later)."""
        future = self._pool.submit(self.attempt, event)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    async def close(self, stop: asyncio.Event | None = None, grace: float = 70.0) -> None:
        """Wait for the visits under way, at most `grace` seconds and only until `stop`
        is set; the rest are dropped (a request in flight ends within its timeout)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._pending and loop.time() < deadline and not (stop and stop.is_set()):
            await asyncio.sleep(0.1)
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def attempt(self, event: SimEvent) -> None:
        """One visit, start to end, in the calling thread: a view opens the link, an
        answer opens it and submits the form. Logs and counts; never raises."""
        assert isinstance(event.value, dict)
        data: dict[str, Any] = event.value["data"]
        answer = event.value["type"] == "po.acknowledged"
        where = {"po_number": event.key, "recipient": data.get("recipient")}
        where["revision"] = data.get("revision")
        try:
            url = self.link(event.key, str(data["recipient"]), int(data["revision"]))
            client = opener()
            page = self._read(client, Request(url))
            if not answer:
                self._count("portal_viewed")
                return
            body = urlencode([("csrf", csrf_of(page)), *form_fields(data)]).encode()
            try:
                self._read(client, Request(url, data=body, method="POST"))
            except HTTPError as exc:
                if exc.code != 303:  # 409: a newer revision or a cancellation meanwhile
                    level = logging.INFO if exc.code == 409 else logging.WARNING
                    raise GaveUp(f"the answer was refused: {detail(exc)}", level) from exc
            else:
                raise GaveUp("the answer got no 303 See Other")
            self._count("portal_answered")
        except GaveUp as exc:
            self._gave_up(answer, where, str(exc), exc.level)
        except HTTPError as exc:
            self._gave_up(answer, where, detail(exc))
        except (URLError, OSError) as exc:
            self._gave_up(answer, where, f"potrack is unreachable: {getattr(exc, 'reason', exc)}")
        except Exception as exc:  # a simulated supplier never stops the simulator
            self._gave_up(answer, where, f"{type(exc).__name__}: {exc}")

    def link(self, po: str, recipient: str, revision: int) -> str:
        """The recipient's portal link for `revision`, asked for as a sending system
        does, again after each of `retries` while the PO or revision is not projected
        or the API not up. GaveUp with the reason otherwise."""
        request = Request(f"{self.api}/pos/{quote(po, safe='')}/portal-links")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        why = "not asked"
        for wait in (*self.retries, None):
            try:
                return pick_link(json_of(self._read(opener(), request)), recipient, revision)
            except NotYet as exc:
                why = str(exc)
            except HTTPError as exc:
                why = detail(exc)
                if exc.code != 404 or "not configured" in why:
                    raise GaveUp(f"no portal link: {why}") from exc
            except (URLError, OSError) as exc:  # the API is not up (yet)
                why = f"potrack is unreachable at {self.api}: {getattr(exc, 'reason', exc)}"
            if wait is None or self._stop.wait(wait):
                break
        raise GaveUp(f"no portal link: {why}")

    def _read(self, client: OpenerDirector, request: Request) -> bytes:
        with client.open(request, timeout=self.timeout) as response:
            return bytes(response.read())

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.outcomes[outcome] += 1

    def _gave_up(
        self, answer: bool, where: dict[str, Any], reason: str, level: int = logging.WARNING
    ) -> None:
        """One log line: a warning, or INFO for a stale answer (the portal takes none)."""
        self._count("portal_gave_up" if level >= logging.WARNING else "portal_stale")
        step = "answer" if answer else "view"
        log.log(level, "portal supplier gave up", step=step, **where, reason=reason)
