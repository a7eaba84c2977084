"""`potrack notify` on a real broker: alerts on po.alerts.v1 reach a local webhook and a
local SMTP server, per rule, once, and the ledger says so (SQLite and PostgreSQL)."""

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

from projections.tables import notifications
from services.kafka import ensure_topics
from services.portal.links import verify
from services.settings import Settings
from services.store.views import ViewDB
from tests.integration.kit import potrack, potrack_env, produce, wait_for
from tests.integration.notify_kit import alert_records, listed, record_pos
from tests.services.notify.alerts import alert
from tests.services.notify.receivers import parts, smtp_server, webhook_server
from tests.services.notify.world import rules

PORTAL_SECRET = "notify-integration-portal-secret"
PORTAL_LINK = re.compile(r"https://potrack\.example\.com/portal/([\w.-]+)")


def ledger(url: str, po: str) -> list[dict[str, object]]:
    db = ViewDB(url)
    try:
        with db.read() as tx:
            return notifications.of_po(tx, po)
    finally:
        db.close()


async def test_alerts_on_the_topic_reach_the_webhook_the_buyer_and_the_supplier(
    kafka_bootstrap: str, topic_prefix: str, store_url: str, tmp_path: Path
) -> None:
    record_pos(store_url, "PO-1", "PO-2")
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    transitions = [
        ("raised", alert("PO-1", "sup")),
        ("raised", alert("PO-1", "edi")),  # its address is an EDI id: no reminder
        ("raised", alert("PO-2", "sup", kind="delivery_failed", severity="critical")),
        ("resolved", alert("PO-1", "sup", resolved=True)),
    ]
    await produce(kafka_bootstrap, alert_records(topic_prefix, transitions))
    log = tmp_path / "notify.log"
    with smtp_server() as mail, webhook_server() as hook:
        path = tmp_path / "notify.toml"
        path.write_text(rules(mail.url(), hook.url(), digest=0.02), encoding="utf-8")
        env = potrack_env(
            kafka_bootstrap,
            store_url,
            topic_prefix,
            POTRACK_NOTIFY_FILE=str(path),
            POTRACK_NOTIFY_GROUP=f"{topic_prefix}notify",
            POTRACK_PUBLIC_URL="https://potrack.example.com",
            POTRACK_LOG_LEVEL="DEBUG",  # a skipped target is routine: logged at DEBUG
            POTRACK_PORTAL_SECRET=PORTAL_SECRET,  # reminders carry the portal link
        )
        with potrack(["notify"], env, log):
            await asyncio.to_thread(
                wait_for,
                lambda: len(listed(hook.bodies())) >= 4 and len(mail.mails) >= 3,
                60,
                0.2,
                "the webhook and the mails",
            )
            await asyncio.sleep(1.0)  # a second delivery would show by now

    assert sorted(listed(hook.bodies())) == sorted(a.alert_id for _, a in transitions)
    assert [len(mail.to("buyer@example.com")), len(mail.to("orders@acme.example"))] == [2, 1]
    [reminder] = mail.to("orders@acme.example")
    assert "Purchase order PO-1, revision 1 (sent to sup)" in parts(reminder)[0]
    [token] = set(PORTAL_LINK.findall(parts(reminder)[0]))  # issue 13: the supplier's link
    claim = verify(PORTAL_SECRET, token, now=datetime.now(UTC))
    assert (claim.po_number, claim.revision, claim.recipient) == ("PO-1", 1, "sup")
    text = parts(mail.to("buyer@example.com")[0])[0]
    assert "https://potrack.example.com/ui/po/PO-1" in text
    assert "/portal/" not in "".join(parts(m)[0] for m in mail.to("buyer@example.com"))
    output = log.read_text()
    assert '"notification target skipped"' in output and "ZZ:ACME" in output
    entries = ledger(store_url, "PO-1")
    assert sorted((e["message"], e["transition"], e["recipient"]) for e in entries) == [
        ("notification", "raised", "edi"),  # buyer
        ("notification", "raised", "edi"),  # webhook
        ("notification", "raised", "sup"),
        ("notification", "raised", "sup"),
        ("notification", "resolved", "sup"),
        ("reminder", "raised", "sup"),
    ]
