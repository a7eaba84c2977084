"""Notifier benchmark: alert transitions delivered to a local webhook (json://) through the
real queue, flusher, renderer and Apprise, next to plain HTTP POSTs of the same bodies to
the same server (the ceiling), in the same run."""

import asyncio
import json
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.logging import configure
from tests.services.notify.alerts import alert
from tests.services.notify.receivers import webhook_server
from tests.services.notify.world import alert_record, notifier_world

RULES = """
[[rule]]
transitions = ["raised", "resolved"]
targets = ["{hook}"]
digest_minutes = {digest}
"""


def raw_posts(url: str, count: int) -> float:
    """Plain POSTs/s of a notification-sized JSON body, one connection each."""
    body = json.dumps({"version": "1.0", "title": "t" * 60, "message": "m" * 600, "type": "info"})
    started = time.perf_counter()
    for _ in range(count):
        request = urllib.request.Request(
            url, data=body.encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):
            pass
    return count / (time.perf_counter() - started)


async def _deliver(count: int, digest: float) -> tuple[float, int]:
    """Transitions/s from queueing to the last delivery, and the messages it took."""
    with tempfile.TemporaryDirectory() as tmp, webhook_server() as hook:
        rules = RULES.format(hook=hook.url(), digest=digest)
        with notifier_world(Path(tmp), rules) as world:
            records = [alert_record("raised", alert(po=f"PO-{n}"), n) for n in range(count)]
            started = time.perf_counter()
            world.feed(*records)
            later = datetime.now(UTC) + timedelta(minutes=digest + 1)
            while world.waiting():
                await world.flush(later)
            seconds = time.perf_counter() - started
        return count / seconds, len(hook.bodies())


def notify_rates(count: int) -> dict[str, float]:
    """The figures of the notifier table."""
    configure("WARNING", "json")  # one line per message sent would be the benchmark's cost
    with webhook_server() as hook:
        raw = raw_posts(f"http://127.0.0.1:{hook.port}/hook", count)
    one, one_messages = asyncio.run(_deliver(count, 0))
    digest, digest_messages = asyncio.run(_deliver(count, 15))
    return {
        "raw": raw,
        "one": one,
        "one_messages": one_messages,
        "digest": digest,
        "digest_messages": digest_messages,
    }


if __name__ == "__main__":
    print(notify_rates(500))
