"""The subscriber's half: alert records routed into the queue, once, with skips said."""

import dataclasses
from pathlib import Path

from services import metrics
from tests.services.notify.alerts import alert
from tests.services.notify.world import alert_record, notifier_world, po_with_people

RULES = """
[mail]
url = "mailto://127.0.0.1:2525?from=potrack@example.com"

[[rule]]
kinds = ["acknowledgment_overdue"]
targets = ["buyer", "supplier", "json://127.0.0.1:9/hook"]
digest_minutes = 0

[[rule]]
transitions = ["resolved"]
targets = ["json://127.0.0.1:9/hook"]
"""


def skipped() -> float:
    return metrics.NOTIFICATIONS.labels(outcome="skipped")._value.get()


def test_each_routed_transition_is_queued_once_per_target(tmp_path: Path) -> None:
    with notifier_world(tmp_path, RULES, po_with_people()) as world:
        raised = alert_record("raised", alert())

        assert world.feed(raised) == 3  # buyer, supplier, webhook
        assert world.feed(raised, raised) == 0  # a re-read batch queues nothing again
        assert world.waiting() == 3


def test_an_escalation_and_a_resolution_are_transitions_of_their_own(tmp_path: Path) -> None:
    with notifier_world(tmp_path, RULES, po_with_people()) as world:
        world.feed(alert_record("raised", alert()))

        assert world.feed(alert_record("raised", alert(level=2, severity="critical"))) == 3
        assert world.feed(alert_record("resolved", alert(level=2, resolved=True))) == 1


def test_a_named_target_without_an_email_address_is_skipped_and_counted(
    tmp_path: Path,
) -> None:
    with notifier_world(tmp_path, RULES, po_with_people(buyer=None)) as world:
        before = skipped()

        # `edi` has an EDI interchange id as address; the PO names no buyer email.
        assert world.feed(alert_record("raised", alert(recipient="edi"))) == 1  # the webhook

        assert skipped() == before + 2


def test_an_alert_of_a_po_the_store_does_not_hold_still_reaches_the_urls(
    tmp_path: Path,
) -> None:
    with notifier_world(tmp_path, RULES) as world:
        assert world.feed(alert_record("raised", alert(po="PO-404"))) == 1


def test_a_record_that_is_no_alert_is_counted_and_passed_over(tmp_path: Path) -> None:
    with notifier_world(tmp_path, RULES, po_with_people()) as world:
        junk = dataclasses.replace(alert_record("raised", alert()), value=b"\xff not json")
        before = metrics.NOTIFICATIONS.labels(outcome="unreadable")._value.get()

        assert world.feed(junk, alert_record("raised", alert())) == 3
        assert metrics.NOTIFICATIONS.labels(outcome="unreadable")._value.get() == before + 1


def test_an_unrouted_transition_queues_nothing(tmp_path: Path) -> None:
    with notifier_world(tmp_path, RULES, po_with_people()) as world:
        assert world.feed(alert_record("raised", alert(kind="changes_proposed"))) == 0
