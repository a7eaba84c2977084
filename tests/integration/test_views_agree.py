"""docs/contract.md §8: `potrack status --json`, `GET /pos/{po}` and the last `po.status.v1`
record agree field by field (overdue included), now and as of an earlier instant, with
`potrack replay --as-of` too. Real broker, real processes, real HTTP."""

import asyncio
import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from projections.tables import alerts, positions
from projections.views import PROJECTION_NAMES
from schemas.topics import Topic
from services.kafka import ensure_topics
from services.settings import Settings
from services.simulate.traffic import generate, publish
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.integration.kit import potrack, potrack_env, run_cli, wait_for

SAMPLE = 8  # POs compared one by one


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settled(url: str) -> bool:
    """Every projection at the head of the log and nothing left in the outbox."""
    store, db = EventStore(url), ViewDB(url)
    try:
        head = store.max_notification_id()
        with db.read() as tx:
            at = positions.positions(tx)
            queued = positions.queued_count(tx)
        return head > 0 and all(at.get(n) == head for n in PROJECTION_NAMES) and queued == 0
    except Exception:
        return False
    finally:
        db.close()
        store.close()


def overdue_pos(url: str) -> list[str]:
    db = ViewDB(url)
    try:
        with db.read() as tx:
            every = [r["po_number"] for r in tx.all("SELECT po_number FROM po_status")]
            return sorted(alerts.overdue_pos(tx, every))
    finally:
        db.close()


def instant(view: dict[str, Any], days: float) -> str:
    approved = datetime.fromisoformat(view["approved_at"])
    return (approved + timedelta(days=days)).astimezone(UTC).isoformat().replace("+00:00", "Z")


async def test_cli_api_and_the_status_topic_show_the_same_view_now_and_as_of(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    port = free_port()
    env = potrack_env(
        kafka_bootstrap,
        url,
        topic_prefix,
        POTRACK_ALERT_CLOCK_SECONDS="0.5",
        POTRACK_API_PORT=str(port),
        POTRACK_LOG_LEVEL="WARNING",
    )
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    history = generate(61, 1500, datetime.now(UTC), days=15, bad_fraction=0.0)
    await publish(list(history), kafka_bootstrap, topic_prefix=topic_prefix)
    log = tmp_path / "potrack.log"
    with potrack(["run"], env, log):
        await asyncio.to_thread(wait_for, lambda: settled(url), 240, 1.0, "potrack run")
        await asyncio.sleep(2)  # a few more clock ticks, then stop: the views hold still
    assert settled(url)
    late = overdue_pos(url)
    assert len(late) >= 3, "slow and silent suppliers leave POs overdue"
    chosen = late[:: max(1, len(late) // SAMPLE)][:SAMPLE]

    records = await every_record(kafka_bootstrap, f"{topic_prefix}{Topic.STATUS}")
    published = {r.key.decode(): json.loads(r.value)["data"] for r in records}

    with potrack(["api"], env, log):
        base = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(wait_for, lambda: _answers(base), 60, 0.3, "potrack api")
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for po in chosen:
                api = (await http.get(f"/pos/{po}")).json()
                shown = json.loads(
                    (await asyncio.to_thread(run_cli, ["status", po, "--json"], env)).stdout
                )
                assert api == shown == published[po], po
                assert api["overdue"] is True, po

            # As of an earlier instant: a day and a half after each PO's approval.
            seen_overdue = False
            for po in chosen:
                view = published[po]
                at = instant(view, 1.5)
                api = (await http.get(f"/pos/{po}", params={"as_of": at})).json()
                shown = await asyncio.to_thread(
                    run_cli, ["status", po, "--json", "--as-of", at], env
                )
                replayed = await asyncio.to_thread(
                    run_cli, ["replay", "--as-of", at, "--po", po], env
                )
                assert shown.returncode == replayed.returncode == 0, shown.stderr + replayed.stderr
                assert api == json.loads(shown.stdout) == json.loads(replayed.stdout), po
                assert api["version"] <= view["version"]
                seen_overdue |= api["overdue"]
    assert seen_overdue, "some PO was already overdue a day and a half after its approval"


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def every_record(bootstrap: str, topic: str) -> list[Any]:
    """Every record on the topic now, in order (read until a quiet second and a half)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[Any] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for items in batch.values():
                found.extend(items)
    finally:
        await consumer.stop()
    return found
