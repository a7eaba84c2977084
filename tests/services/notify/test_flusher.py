"""The flusher against a real SMTP server and a real webhook: what arrives, once, and
what a failing target does."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import generate_latest

from projections.tables import alerts as alerts_table
from projections.tables import notifications
from tests.services.notify.alerts import alert
from tests.services.notify.receivers import Mailbox, Webhook, parts
from tests.services.notify.world import BASE, alert_record, notifier_world, po_with_people, rules

NO_MAIL = "mailto://127.0.0.1:1?from=potrack@example.com"  # nothing listens there


async def test_buyer_supplier_and_webhook_each_get_their_message_once(
    tmp_path: Path, mail: Mailbox, hook: Webhook
) -> None:
    with notifier_world(tmp_path, rules(mail.url(), hook.url()), po_with_people()) as world:
        world.feed(alert_record("raised", alert()))

        await world.flush()
        await world.flush()  # nothing is left to send twice

        assert world.waiting() == 0
        ledger = world.ledger()
    [buyer] = mail.to("buyer@example.com")
    [reminder] = mail.to("orders@acme.example")
    assert buyer["Subject"] == "[potrack] PO-1 r1 · acknowledgment overdue · warning"
    text, html = parts(buyer)
    assert "sup has not acknowledged purchase order PO-1 (revision 1)" in text
    assert f"{BASE}/ui/po/PO-1" in text and f'href="{BASE}/ui/po/PO-1"' in html
    assert reminder["Subject"] == "Reminder: order acknowledgment due for purchase order PO-1"
    assert reminder["Reply-To"] == "buyer@example.com"
    assert "Dear Acme Parts," in parts(reminder)[0]
    [body] = hook.bodies()
    assert body["title"] == "[potrack] PO-1 r1 · acknowledgment overdue · warning"
    assert "Alert PO-1/r1/sup/acknowledgment_overdue" in body["message"]
    assert sorted((e["message"], e["target"]) for e in ledger) == [
        ("notification", "buyer buyer@example.com"),
        ("notification", hook.url()),
        ("reminder", "supplier orders@acme.example"),
    ]
    assert {(e["transition"], e["level"], e["digest"], e["recipient"]) for e in ledger} == {
        ("raised", 1, 1, "sup")
    }


async def test_a_reminder_goes_once_per_escalation_level(
    tmp_path: Path, mail: Mailbox, hook: Webhook
) -> None:
    with notifier_world(tmp_path, rules(mail.url(), hook.url()), po_with_people()) as world:
        for level in (1, 1, 2):
            world.feed(alert_record("raised", alert(level=level)))
            await world.flush()
        world.feed(alert_record("raised", alert(level=2)))  # published again: no news
        await world.flush()

    reminders = mail.to("orders@acme.example")
    assert [m["Subject"].split(":")[0] for m in reminders] == ["Reminder", "Urgent reminder"]


async def test_a_digest_waits_for_its_window_then_lists_every_transition_once(
    tmp_path: Path, hook: Webhook
) -> None:
    now = datetime.now(UTC)
    failed = [alert(po=f"PO-{n}", kind="delivery_failed") for n in range(5)]
    resolved = alert(po="PO-0", kind="delivery_failed", resolved=True)
    with notifier_world(tmp_path, rules(NO_MAIL, hook.url(), digest=15)) as world:
        world.feed(*(alert_record("raised", a) for a in failed), now=now)
        world.feed(alert_record("resolved", resolved), now=now + timedelta(minutes=14))

        assert await world.flush(now + timedelta(minutes=14)) == []
        assert hook.received == []
        await world.flush(now + timedelta(minutes=15))

        assert world.waiting() == 0
        assert {e["digest"] for e in world.ledger("PO-0")} == {6}
    [body] = hook.bodies()
    assert body["title"] == "[potrack] 6 alert updates on 5 purchase orders"
    assert body["message"].count("* PO-") == 6


async def test_a_failing_target_backs_off_alone_and_shows_masked_in_the_metrics(
    tmp_path: Path, mail: Mailbox, hook: Webhook
) -> None:
    hook.status = 500
    secret_url = hook.url(auth="potrack:hunter2@")
    with notifier_world(tmp_path, rules(mail.url(), secret_url), po_with_people()) as world:
        world.feed(alert_record("raised", alert()))

        await world.flush()
        # the mails went out; the webhook's message waits, its target backing off
        assert len(mail.mails) == 2 and len(hook.received) == 1
        assert world.waiting() == 1
        with world.db.read() as tx:
            [failing] = notifications.failing(tx)
        assert failing["failures"] == 1 and "500" in failing["last_error"]
        exposed = generate_latest().decode()
        assert 'potrack_notify_target_failures{target="json://potrack:****@127.0.0.1' in exposed
        assert "hunter2" not in exposed
        assert await world.flush() == []  # backing off: not tried again at once

        hook.status = 200
        await asyncio.sleep(0.6)  # the first backoff is 0.5 s
        await world.flush()

        assert world.waiting() == 0
        with world.db.read() as tx:
            assert notifications.failing(tx) == []
        assert len(world.ledger()) == 3
    assert len(hook.received) == 2


async def test_an_unreachable_smtp_server_does_not_hold_up_the_webhook(
    tmp_path: Path, hook: Webhook
) -> None:
    with notifier_world(tmp_path, rules(NO_MAIL, hook.url()), po_with_people()) as world:
        world.feed(alert_record("raised", alert()))

        await world.flush()

        assert [e["target"] for e in world.ledger()] == [hook.url()]
        assert world.waiting() == 2


async def test_a_reminder_whose_alert_was_resolved_meanwhile_is_withdrawn_unsent(
    tmp_path: Path, mail: Mailbox, hook: Webhook
) -> None:
    raised = alert()
    with notifier_world(tmp_path, rules(mail.url(), hook.url()), po_with_people()) as world:
        world.feed(alert_record("raised", raised))
        # The supplier acknowledged before the reminder went out: the alerts projection
        # resolved the alert (its row), its po.alert.resolved is still on the way.
        with world.db.transaction() as tx:
            done = raised.model_copy(update={"resolved_at": raised.raised_at + timedelta(hours=1)})
            alerts_table.store(tx, done, 1)
        await world.flush()
        assert world.waiting() == 0
    assert mail.to("orders@acme.example") == []
    assert len(mail.to("buyer@example.com")) == 1, "the buyer's notification still goes"
