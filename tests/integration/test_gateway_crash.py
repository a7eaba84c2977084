"""The gateway SIGKILLed mid-stream: every document becomes its event once (§2b, §4)."""

import asyncio
import random
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from projections.tables import sent
from services.kafka import ensure_topics
from services.settings import Settings
from services.simulate.b2b import x12
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.integration.kit import ce, potrack, potrack_env, produce, structured, wait_for

POS = 1500
PARTNERS = """
[partners.KOBE-EDI]
supplier = "SUP-X12"
recipient = "sup-x12"
x12 = ["ZZ:KOBESEIMITSU"]
"""
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def history(prefix: str) -> list:  # type: ignore[type-arg]
    """POS approved POs, each sent as the 850 `<group>.0001` of its own group."""
    dist = f"{prefix}po.distribution.v1"
    records = []
    for n in range(POS):
        po = f"PO-{n:05d}"
        plan = {
            "revision": 1,
            "supplier": {"id": "SUP-X12"},
            "currency": "EUR",
            "total_amount": "10.00",
            "recipients": [{"id": "sup-x12", "kind": "supplier", "channel": "edi"}],
        }
        send = {"revision": 1, "recipient": "sup-x12", "channel": "edi"}
        records.append(structured(dist, ce("po.approved", po, plan, f"{po}-a")))
        message = {"message_id": f"{10_000 + n}.0001"}
        records.append(structured(dist, ce("po.sent", po, send | message, f"{po}-s")))
    return records


def acknowledgments(prefix: str, rng: random.Random) -> list:  # type: ignore[type-arg]
    """A 997 per PO, in its own interchange, and some sent twice."""
    topic = f"{prefix}po.documents.v1"
    records = []
    for n in range(POS):
        at = (T0 + timedelta(minutes=n)).replace(tzinfo=None)
        env = x12.Envelope("ZZ:KOBESEIMITSU", "ZZ:BUYERCO", 500_000 + n, 500_000 + n, at)
        body = x12.functional_ack(env, str(10_000 + n), [x12.SetAck("0001", "A")])
        record = (topic, b"k", body, [("content-type", b"application/edi-x12")])
        records.append(record)
        if rng.random() < 0.05:
            records.append(record)
    return records


def sent_rows(url: str) -> int:
    """How many sent messages the `sent` projection holds."""
    db = ViewDB(url)
    try:
        with db.read() as tx:
            return sum(sent.by_id(tx, f"{10_000 + n}.1") is not None for n in range(0, POS, 50))
    finally:
        db.close()


def from_gateway(url: str) -> list[tuple[str, str]]:
    store = EventStore(url)
    try:
        return [
            (f.subject, f.id)
            for _, f in store.iter_facts()
            if f.source.startswith("urn:potrack:gateway")
        ]
    finally:
        store.close()


async def test_sigkills_of_the_gateway_lose_and_double_no_document(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    partners = tmp_path / "partners.toml"
    partners.write_text(PARTNERS, encoding="utf-8")
    env = potrack_env(
        kafka_bootstrap,
        url,
        topic_prefix,
        POTRACK_PARTNERS_FILE=str(partners),
        POTRACK_GATEWAY_GROUP=f"{topic_prefix}gateway",
        POTRACK_LOG_LEVEL="DEBUG",  # routine "gateway batch" lines are logged at DEBUG
    )
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    await produce(kafka_bootstrap, history(topic_prefix))
    views = ViewDB(url)
    views.ensure_tables()  # so that the test may look before the projection has started
    views.close()
    rng = random.Random(5)
    log = tmp_path / "potrack.log"
    with potrack(["ingest"], env, log), potrack(["project", "sent"], env, log):
        await asyncio.to_thread(wait_for, lambda: sent_rows(url) == POS // 50, 120, 0.5, "sends")
        producing = asyncio.create_task(
            produce(kafka_bootstrap, acknowledgments(topic_prefix, rng))
        )
        kills = 0
        for _ in range(3):
            with potrack(["gateway"], env, log) as proc:
                # Killed while translating: once it has started (topics ready, group
                # joined), which takes a few seconds on a busy machine.
                started = kills + 1
                await asyncio.to_thread(
                    wait_for,
                    lambda started=started: log.read_text().count('"gateway started"') >= started,
                    60,
                    0.1,
                    "the gateway to start",
                )
                await asyncio.sleep(rng.uniform(2.0, 4.0))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
        await producing
        # The killed gateways had translated batches: the kills came mid-stream.
        assert log.read_text().count('"gateway batch"') >= 2
        with potrack(["gateway"], env, log):
            await asyncio.to_thread(
                wait_for, lambda: len(from_gateway(url)) >= POS, 180, 0.5, f"{POS} receipts"
            )
            await asyncio.sleep(2)  # a doubled event would show by now

    received = from_gateway(url)
    assert kills == 3
    assert len(received) == len(set(received)) == POS
    assert {po for po, _ in received} == {f"PO-{n:05d}" for n in range(POS)}
