"""Ingest processes side by side: `potrack ingest` once, then twice in one consumer group,
each time into a fresh PostgreSQL store, from the same pre-loaded topics.

Each run starts the processes together (a new group: the broker's initial rebalance delay
lets both join the first assignment), then polls the store's notification log every 50 ms;
the rate is the events recorded from the first notification to the last, over that time.
Both runs are measured the same way, as whole processes, so the ratio compares like with
like (the in-process `potrack_ingest` figure of `tests.bench.ingest` is not comparable:
it shares its process with the benchmark).
"""

import os
import signal
import subprocess
import sys
import time
import uuid

from services.store.events import EventStore

TIMEOUT_S = 300.0  # a run that has not recorded everything by then has stalled


def ingest_processes(
    bootstrap: str, prefix: str, store_url: str, expected: int, processes: int
) -> dict[str, float]:
    """Events/s of `processes` `potrack ingest` processes in one new consumer group reading
    the topics of `prefix` into `store_url` until the store holds `expected` events, and
    the store conflicts they logged (a PO written by two processes: the batch is read
    again). Raises RuntimeError when a process exits early or the run stalls."""
    group = f"{prefix}scale-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "POTRACK_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "POTRACK_STORE_URL": store_url,
        "POTRACK_TOPIC_PREFIX": prefix,
        "POTRACK_CONSUMER_GROUP": group,
        "POTRACK_LOG_LEVEL": "WARNING",
        "POTRACK_LOG_FORMAT": "json",
    }
    store = EventStore(store_url)  # creates the tables before the processes race to
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "services.cli", "ingest"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        first_at: float | None = None
        first = 0
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            count = store.max_notification_id()
            now = time.perf_counter()
            if first_at is None and count > 0:
                first_at, first = now, count
            if count >= expected:
                break
            if any(p.poll() is not None for p in started):
                raise RuntimeError("an ingest process exited during the benchmark")
            if time.monotonic() > deadline:
                raise RuntimeError(f"ingest stalled at {count} of {expected} events")
            time.sleep(0.05)
        assert first_at is not None
        rate = (count - first) / (now - first_at) if now > first_at else float("nan")
    finally:
        logs = []
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                _, err = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
            logs.append(err or "")
        store.close()
    conflicts = sum(log.count("store conflict") for log in logs)
    return {"rate": rate, "conflicts": float(conflicts)}
