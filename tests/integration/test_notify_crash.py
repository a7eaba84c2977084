"""The notifier SIGKILLed while a digest is on the wire: after a restart every
notification has arrived, none twice but those of the message in flight, and the ledger
holds each (transition, target) once."""

import asyncio
import signal
from collections import Counter
from pathlib import Path

from projections.tables import notifications
from services.kafka import ensure_topics
from services.settings import Settings
from services.store.views import ViewDB
from tests.integration.kit import potrack, potrack_env, produce, wait_for
from tests.integration.notify_kit import alert_records, listed
from tests.services.notify.alerts import alert
from tests.services.notify.receivers import webhook_server

ALERTS = 20


def ledger_keys(url: str) -> list[tuple[str, str]]:
    db = ViewDB(url)
    try:
        with db.read() as tx:
            rows = [r for n in range(ALERTS) for r in notifications.of_po(tx, f"PO-{n:02d}")]
            waiting = notifications.waiting(tx)
    finally:
        db.close()
    assert waiting == 0
    return [(str(r["alert_id"]), str(r["target"])) for r in rows]


async def test_a_sigkill_mid_digest_repeats_at_most_the_message_in_flight(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    transitions = [("raised", alert(f"PO-{n:02d}", kind="delivery_failed")) for n in range(ALERTS)]
    expected = sorted(a.alert_id for _, a in transitions)
    await produce(kafka_bootstrap, alert_records(topic_prefix, transitions))
    log = tmp_path / "notify.log"
    with webhook_server() as digest, webhook_server() as each:
        digest.delay, each.delay = 30.0, 0.25  # the digest's answer never comes before the kill
        path = tmp_path / "notify.toml"
        path.write_text(
            f'[[rule]]\nkinds = ["delivery_failed"]\ntargets = ["{digest.url()}"]\n'
            "digest_minutes = 0.02\n\n"
            f'[[rule]]\nkinds = ["delivery_failed"]\ntargets = ["{each.url()}"]\n'
            "digest_minutes = 0\n",
            encoding="utf-8",
        )
        env = potrack_env(
            kafka_bootstrap,
            url,
            topic_prefix,
            POTRACK_NOTIFY_FILE=str(path),
            POTRACK_NOTIFY_GROUP=f"{topic_prefix}notify",
            POTRACK_NOTIFY_LEASE_SECONDS="1",
        )
        with potrack(["notify"], env, log) as proc:
            await asyncio.to_thread(wait_for, digest.arrived.is_set, 60, 0.05, "the digest")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        in_flight = listed(digest.bodies())
        sent_alone = len(each.received)
        assert sorted(in_flight) == expected  # the killed process had sent the whole digest
        assert 0 < sent_alone < ALERTS  # ... and was mid-way through the single messages
        digest.delay = 0.0
        with potrack(["notify"], env, log):
            await asyncio.to_thread(
                wait_for,
                lambda: len(digest.received) >= 2 and set(listed(each.bodies())) >= set(expected),
                60,
                0.2,
                "every notification after the restart",
            )
            await asyncio.sleep(1.0)  # a further repeat would show by now

    assert len(digest.received) == 2  # the digest in flight, once more
    assert Counter(listed(digest.bodies())) == Counter({a: 2 for a in expected})
    repeats = Counter(listed(each.bodies())) - Counter(expected)
    assert set(listed(each.bodies())) == set(expected)
    assert sum(repeats.values()) <= 1  # at most the single message in flight
    keys = ledger_keys(url)
    assert len(keys) == len(set(keys)) == 2 * ALERTS
