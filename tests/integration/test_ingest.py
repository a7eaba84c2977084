"""Ingest against the real broker and store: both content modes, dead letters, SIGKILL."""

import asyncio
import json
import random
import signal
from pathlib import Path

from schemas.topics import Topic
from services.kafka import ensure_topics
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.integration.kit import (
    binary,
    ce,
    consume,
    plan,
    potrack,
    potrack_env,
    produce,
    structured,
    wait_for,
)


def topics(prefix: str) -> dict[str, str]:
    return {t.name: f"{prefix}{t.value}" for t in Topic}


def recorded(store_url: str) -> int:
    """Events in the store (counted: PostgreSQL notification ids may have gaps)."""
    store, db = EventStore(store_url), ViewDB(store_url)
    try:
        with db.read() as tx:
            row = tx.one(f"SELECT COUNT(*) AS n FROM {store.events_table}")
            return int(row["n"]) if row else 0
    finally:
        db.close()
        store.close()


async def test_events_in_both_content_modes_are_recorded(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    t = topics(topic_prefix)
    events = [
        structured(t["DISTRIBUTION"], ce("po.approved", "PO-1", plan(), "a1")),
        binary(
            t["DISTRIBUTION"],
            ce("po.sent", "PO-1", {"revision": 1, "recipient": "sup", "channel": "edi"}, "s1"),
        ),
        binary(
            t["DELIVERY"], ce("po.delivered", "PO-1", {"revision": 1, "recipient": "sup"}, "d1")
        ),
        structured(
            t["ACKNOWLEDGMENT"],
            ce(
                "po.acknowledged",
                "PO-1",
                {"revision": 1, "recipient": "sup", "decision": "accepted"},
                "k1",
            ),
        ),
    ]
    env = potrack_env(kafka_bootstrap, store_url, topic_prefix)
    with potrack(["ingest"], env, tmp_path / "ingest.log"):
        await produce(kafka_bootstrap, events)
        await asyncio.to_thread(
            wait_for, lambda: recorded(store_url) == 4, what="4 events recorded"
        )
    store = EventStore(store_url)
    try:
        aggregate = store.get("PO-1")
        assert aggregate is not None
        assert aggregate.state.events == 4
        assert [f.type.value for f in store.facts("PO-1")].count("po.sent") == 1
    finally:
        store.close()


BAD_INPUTS: list[tuple[str, bytes | None, list[tuple[str, bytes]]]] = [
    ("not JSON", b"{nope", []),
    ("a JSON array", b"[1, 2]", []),
    ("JSON that is not a CloudEvent", b'{"po": "PO-9"}', []),
    ("unknown type", json.dumps(ce("po.teleported", "PO-9", {}, "b1")).encode(), []),
    (
        "missing subject",
        json.dumps(
            {k: v for k, v in ce("po.cancelled", "PO-9", {}, "b2").items() if k != "subject"}
        ).encode(),
        [],
    ),
    (
        "missing time",
        json.dumps(
            {k: v for k, v in ce("po.cancelled", "PO-9", {}, "b3").items() if k != "time"}
        ).encode(),
        [],
    ),
    (
        "time without offset",
        json.dumps(ce("po.cancelled", "PO-9", {}, "b4", "2026-11-02T09:00:00")).encode(),
        [],
    ),
    (
        "revision as a string",
        json.dumps(
            ce("po.sent", "PO-9", {"revision": "1", "recipient": "r", "channel": "edi"}, "b5")
        ).encode(),
        [],
    ),
    (
        "unknown data field",
        json.dumps(
            ce("po.received", "PO-9", {"revision": 1, "recipient": "r", "colour": "red"}, "b6")
        ).encode(),
        [],
    ),
    (
        "approval without recipients",
        json.dumps(ce("po.approved", "PO-9", {**plan(), "recipients": []}, "b7")).encode(),
        [],
    ),
    ("subject over 64 characters", json.dumps(ce("po.cancelled", "P" * 65, {}, "b8")).encode(), []),
    (
        "binary mode with a non-JSON content type",
        b"<xml/>",
        [
            ("ce_specversion", b"1.0"),
            ("ce_id", b"b9"),
            ("ce_source", b"s"),
            ("ce_type", b"po.cancelled"),
            ("ce_subject", b"PO-9"),
            ("ce_time", b"2026-11-02T09:00:00Z"),
            ("content-type", b"application/xml"),
        ],
    ),
    ("a tombstone", None, []),
    (
        "a value over 1 MiB",
        json.dumps(ce("po.cancelled", "PO-9", {"reason": "x" * (1024 * 1024)}, "b10")).encode(),
        [],
    ),
]


async def test_bad_input_is_dead_lettered_with_a_reason_and_consumption_goes_on(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    t = topics(topic_prefix)
    good_before = structured(t["DISTRIBUTION"], ce("po.approved", "PO-2", plan(), "g1"))
    good_after = structured(
        t["DELIVERY"], ce("po.delivered", "PO-2", {"revision": 1, "recipient": "sup"}, "g2")
    )
    bad = [(t["DISTRIBUTION"], b"PO-9", value, headers) for _, value, headers in BAD_INPUTS]
    env = potrack_env(kafka_bootstrap, store_url, topic_prefix)
    # Created up front so the over-1-MiB value is not refused by an auto-created topic.
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    with potrack(["ingest"], env, tmp_path / "ingest.log"):
        await produce(kafka_bootstrap, [good_before, *bad, good_after])
        dead = await consume(kafka_bootstrap, t["DEADLETTER"], len(BAD_INPUTS))
        await asyncio.to_thread(wait_for, lambda: recorded(store_url) == 2, what="2 good events")
    assert len(dead) == len(BAD_INPUTS)
    by_offset = {int(dict(r.headers)["potrack-source-offset"]): r for r in dead}
    for offset, (what, value, _) in enumerate(BAD_INPUTS, start=1):
        record = by_offset[offset]
        headers = dict(record.headers)
        assert record.value == value, what
        assert headers["potrack-error"], what
        assert headers["potrack-source-topic"].decode() == t["DISTRIBUTION"]
        assert headers["potrack-source-partition"].decode().isdigit()


def stream(topic_prefix: str, pos: int, seed: int) -> tuple[list, int]:  # type: ignore[type-arg]
    """A PO-keyed stream with exact duplicates; returns records and the distinct count."""
    t = topics(topic_prefix)
    rng = random.Random(seed)
    records, distinct = [], 0
    for n in range(pos):
        po = f"PO-{n:05d}"
        steps = [
            (t["DISTRIBUTION"], ce("po.approved", po, plan(), f"{po}-a")),
            (
                t["DISTRIBUTION"],
                ce("po.sent", po, {"revision": 1, "recipient": "sup", "channel": "edi"}, f"{po}-s"),
            ),
            (t["DELIVERY"], ce("po.delivered", po, {"revision": 1, "recipient": "sup"}, f"{po}-d")),
            (t["DELIVERY"], ce("po.delivered", po, {"revision": 1, "recipient": "ap"}, f"{po}-i")),
            (
                t["ACKNOWLEDGMENT"],
                ce(
                    "po.acknowledged",
                    po,
                    {"revision": 1, "recipient": "sup", "decision": "accepted"},
                    f"{po}-k",
                ),
            ),
        ]
        distinct += len(steps)
        for topic, event in steps:
            records.append(structured(topic, event) if rng.random() < 0.7 else binary(topic, event))
            if rng.random() < 0.05:
                records.append(structured(topic, event))  # an exact duplicate, sent again
    return records, distinct


async def test_sigkill_during_a_stream_of_ten_thousand_events_loses_and_duplicates_nothing(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    records, distinct = stream(topic_prefix, 2000, seed=7)
    assert distinct == 10_000
    env = potrack_env(kafka_bootstrap, store_url, topic_prefix, POTRACK_BATCH_MAX_RECORDS="300")
    log = tmp_path / "ingest.log"
    producing = asyncio.create_task(produce(kafka_bootstrap, records))
    rng = random.Random(11)
    kills = 0
    for _ in range(4):
        with potrack(["ingest"], env, log) as proc:
            await asyncio.sleep(rng.uniform(2.5, 5.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
    await producing
    with potrack(["ingest"], env, log):
        await asyncio.to_thread(
            wait_for, lambda: recorded(store_url) >= distinct, 180, 0.5, f"{distinct} events"
        )
        await asyncio.sleep(2)  # anything more would be a duplicate: give it time to show
    assert kills == 4
    store = EventStore(store_url)
    try:
        assert recorded(store_url) == distinct
        keys = [(f.source, f.id) for _, f in store.iter_facts()]
        assert len(keys) == len(set(keys)) == distinct
        for n in range(0, 2000, 97):
            aggregate = store.get(f"PO-{n:05d}")
            assert aggregate is not None and aggregate.version == 5
    finally:
        store.close()


async def test_sigterm_finishes_the_batch_in_hand_and_exits_cleanly(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    records, distinct = stream(topic_prefix, 400, seed=3)
    env = potrack_env(kafka_bootstrap, store_url, topic_prefix, POTRACK_BATCH_MAX_RECORDS="200")
    log = tmp_path / "ingest.log"
    await produce(kafka_bootstrap, records)
    with potrack(["ingest"], env, log) as proc:
        await asyncio.to_thread(wait_for, lambda: recorded(store_url) > 0, 60, 0.05, "a batch")
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 30)
    assert code == 0
    assert "ingest stopped" in log.read_text()
    stopped_at = recorded(store_url)
    assert 0 < stopped_at <= distinct
    with potrack(["ingest"], env, log):  # the rest, once and only once, after a restart
        await asyncio.to_thread(wait_for, lambda: recorded(store_url) >= distinct, 90, 0.5)
        await asyncio.sleep(1)
    assert recorded(store_url) == distinct
