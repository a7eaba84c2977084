"""CONTRACT §5 alert rules: given facts, when the clock reads T, then these alerts exist.

Times are minutes after T0. The default policy gives email 60 minutes to deliver and
48 hours to acknowledge; "twice overdue" is as long again past the due time.
"""

from datetime import datetime

from projections.alerts import evaluate, expected_alerts, next_check, settle, transitions
from projections.fold import fold
from projections.sla import SlaPolicy, SupplierPolicy
from schemas.recorded import Fact
from schemas.status import Channel
from schemas.views import Alert
from tests.factories import (
    PO,
    acked,
    approved,
    cancelled,
    delivered,
    failed,
    received,
    revised,
    when,
)

HOUR = 60
DEFAULT = SlaPolicy()


def alerts_at(clock: float, *facts: Fact, sla: SlaPolicy = DEFAULT) -> dict[str, Alert]:
    return expected_alerts(fold(PO, list(facts)), sla, when(clock))


def the(found: dict[str, Alert], kind: str, revision: int = 1, who: str = "S1") -> Alert:
    key = f"{PO}/r{revision}/{who}/{kind}"
    assert key in found, f"no {key} among {sorted(found)}"
    return found[key]


def kinds(found: dict[str, Alert]) -> set[str]:
    return {a.kind for a in found.values()}


def test_nothing_is_overdue_before_the_due_time() -> None:
    assert alerts_at(59, approved(time=0)) == {}


def test_delivery_overdue_is_raised_at_the_due_time_as_a_warning() -> None:
    alert = the(alerts_at(60, approved(time=0)), "delivery_overdue")
    assert (alert.severity, alert.escalation_level) == ("warning", 1)
    assert alert.raised_at == alert.due_at == when(60)
    assert alert.resolved_at is None
    assert alert.supplier_id == "SUP-1"
    assert alert.alert_id == f"{PO}/r1/S1/delivery_overdue"


def test_delivery_overdue_resolves_when_delivery_is_recorded() -> None:
    alert = the(alerts_at(100, approved(time=0), delivered("S1", time=90)), "delivery_overdue")
    assert alert.resolved_at == when(90)


def test_twice_overdue_is_critical_at_level_two() -> None:
    alert = the(alerts_at(120, approved(time=0)), "delivery_overdue")
    assert (alert.severity, alert.escalation_level) == ("critical", 2)


def test_resolved_before_twice_overdue_stays_a_warning() -> None:
    alert = the(alerts_at(500, approved(time=0), delivered("S1", time=110)), "delivery_overdue")
    assert (alert.severity, alert.resolved_at) == ("warning", when(110))


def test_acknowledgment_overdue_is_raised_resolved_and_escalated() -> None:
    start = approved(time=0)
    arrived = delivered("S1", time=5)
    assert "acknowledgment_overdue" not in kinds(alerts_at(48 * HOUR - 1, start, arrived))
    assert the(alerts_at(48 * HOUR, start, arrived), "acknowledgment_overdue").severity == "warning"
    late = the(alerts_at(96 * HOUR, start, arrived), "acknowledgment_overdue")
    assert (late.severity, late.escalation_level) == ("critical", 2)
    answered = alerts_at(60 * HOUR, start, arrived, acked("S1", time=50 * HOUR))
    assert the(answered, "acknowledgment_overdue").resolved_at == when(50 * HOUR)


def test_an_acknowledgment_dated_before_the_due_time_never_raises() -> None:
    found = alerts_at(200 * HOUR, approved(time=0), acked("S1", time=47 * HOUR, id="ack"))
    assert "acknowledgment_overdue" not in kinds(found)


def test_a_supplier_policy_shortens_the_windows() -> None:
    sla = SlaPolicy(
        suppliers={
            "SUP-1": SupplierPolicy(acknowledgment_hours=24, delivery_minutes={Channel.EMAIL: 30})
        }
    )
    found = alerts_at(24 * HOUR, approved(time=0), sla=sla)
    assert the(found, "delivery_overdue").due_at == when(30)
    assert the(found, "acknowledgment_overdue").due_at == when(24 * HOUR)


def test_the_po_acknowledgment_due_hours_override_every_policy() -> None:
    sla = SlaPolicy(suppliers={"SUP-1": SupplierPolicy(acknowledgment_hours=24)})
    found = alerts_at(2 * HOUR, approved(time=0, acknowledgment_due_hours=2), sla=sla)
    assert the(found, "acknowledgment_overdue").due_at == when(2 * HOUR)


def test_internal_recipients_and_unrequired_acknowledgments_are_never_awaited() -> None:
    found = alerts_at(100 * HOUR, approved([], ["BUYER"], time=0), delivered("BUYER", time=1))
    assert kinds(found) == set()
    unrequired = alerts_at(100 * HOUR, approved(ack_required=False))
    assert "acknowledgment_overdue" not in kinds(unrequired)


def test_a_permanent_failure_is_critical_until_delivery_evidence() -> None:
    start, failure = approved(time=0), failed("S1", time=5)
    alert = the(alerts_at(10, start, failure), "delivery_failed")
    assert (alert.severity, alert.raised_at, alert.resolved_at) == ("critical", when(5), None)
    assert "5.1.1" in (alert.detail or "")
    healed = the(alerts_at(30, start, failure, delivered("S1", time=20)), "delivery_failed")
    assert healed.resolved_at == when(20)


def test_a_transient_failure_or_a_receipt_dated_before_it_raises_nothing() -> None:
    assert kinds(alerts_at(10, approved(time=0), failed("S1", time=5, permanent=False))) == set()
    found = alerts_at(30, approved(time=0), received("S1", time=4), failed("S1", time=5))
    assert "delivery_failed" not in kinds(found)


def test_a_bounce_after_delivery_is_a_delivery_failure() -> None:
    # docs/contract.md §3 (v1.1): the permanent failure voids the earlier po.delivered.
    found = alerts_at(30, approved(time=0), delivered("S1", time=4), failed("S1", time=5))
    alert = the(found, "delivery_failed")
    assert (alert.raised_at, alert.resolved_at) == (when(5), None)


def test_a_rejection_is_critical_and_changes_proposed_by_tolerance() -> None:
    found = alerts_at(200, approved(), acked("S1", time=100, decision="rejected"))
    alert = the(found, "acknowledgment_rejected")
    assert (alert.severity, alert.raised_at, alert.resolved_at) == ("critical", when(100), None)
    # Changes without line detail cannot be weighed: outside tolerance.
    unweighed = alerts_at(200, approved(), acked("S1", time=100, decision="accepted_with_changes"))
    assert the(unweighed, "changes_proposed").severity == "critical"
    # 98 of 100 ordered: 2 %, within a 5 % quantity tolerance, outside the default 0 %.
    change = {"lines": [{"line": 1, "decision": "changed", "quantity": "98"}]}
    proposal = acked("S1", time=100, decision="accepted_with_changes", **change)
    strict = the(alerts_at(200, approved(), proposal), "changes_proposed")
    assert (strict.severity, strict.detail) == ("critical", "outside tolerance: line 1: quantity")
    lenient = SlaPolicy.model_validate({"tolerance": {"quantity_pct": 5}})
    within = the(alerts_at(200, approved(), proposal, sla=lenient), "changes_proposed")
    assert within.severity == "warning"
    # Opted in: the changes count as accepted, so there is nothing to alert about.
    accepting = SlaPolicy.model_validate(
        {
            "suppliers": {
                "SUP-1": {"tolerance": {"quantity_pct": 5}, "accept_within_tolerance": True}
            }
        }
    )
    assert "changes_proposed" not in kinds(alerts_at(200, approved(), proposal, sla=accepting))


def test_a_stale_acknowledgment_waits_for_one_of_the_current_revision() -> None:
    history = [approved(time=0), acked("S1", time=10), revised(2, time=100)]
    alert = the(alerts_at(150, *history), "stale_acknowledgment", revision=2)
    assert (alert.severity, alert.raised_at, alert.resolved_at) == ("warning", when(100), None)
    answered = alerts_at(300, *history, acked("S1", time=200, revision=2))
    assert the(answered, "stale_acknowledgment", revision=2).resolved_at == when(200)


def test_cancelling_the_po_resolves_every_alert() -> None:
    rejected = acked("S2", time=6, decision="rejected")
    history = [approved(["S1", "S2"], time=0), failed("S1", time=5), rejected]
    found = alerts_at(60 * HOUR, *history, cancelled(time=150))
    assert kinds(found) == {"delivery_overdue", "delivery_failed", "acknowledgment_rejected"}
    assert {a.resolved_at for a in found.values()} == {when(150)}


def test_a_new_revision_voids_the_alerts_of_the_old_one() -> None:
    found = alerts_at(200, approved(time=0), revised(2, time=90))
    assert the(found, "delivery_overdue").resolved_at == when(90)
    assert the(found, "delivery_overdue", revision=2).due_at == when(150)


def test_transitions_raise_escalate_and_resolve() -> None:
    start = approved(time=0)
    warning, critical = alerts_at(60, start), alerts_at(120, start)
    done = alerts_at(130, start, delivered("S1", time=125))
    assert [t for t, _ in transitions({}, warning)] == ["raised"]
    escalated = transitions(warning, critical)
    assert [(t, a.severity) for t, a in escalated] == [("escalated", "critical")]
    assert [t for t, _ in transitions(critical, done)] == ["resolved"]
    assert transitions(done, done) == []
    assert [t for t, _ in transitions({}, done)] == ["raised", "resolved"]


def test_an_alert_a_late_fact_disproves_is_withdrawn() -> None:
    raised = alerts_at(48 * HOUR, approved(time=0), delivered("S1", time=1))
    state = fold(PO, [approved(time=0), delivered("S1", time=1), acked("S1", time=47 * HOUR)])
    now = settle(raised, expected_alerts(state, DEFAULT, when(48 * HOUR)), state)
    alert = the(now, "acknowledgment_overdue")
    assert alert.resolved_at == alert.raised_at and "withdrawn" in (alert.detail or "")
    assert [t for t, _ in transitions(raised, now)] == ["resolved"]


def test_a_rejection_reopened_after_an_acceptance_is_a_new_episode() -> None:
    facts: list[Fact] = [approved(time=0), delivered("S1", time=1)]
    stored: dict[str, tuple[Alert, int]] = {}
    labels = []
    for decision, at in (("rejected", 10), ("accepted", 20), ("rejected", 30)):
        facts.append(acked("S1", time=at, decision=decision))
        result = evaluate(stored, fold(PO, facts), DEFAULT, when(at))
        labels += [label for _, a, label in result.publish if a.kind == "acknowledgment_rejected"]
        stored |= {a.alert_id: (a, episode) for a, episode in result.changed}
    assert labels == ["raised", "resolved", "raised#2"]
    reopened = the({k: a for k, (a, _) in stored.items()}, "acknowledgment_rejected")
    assert reopened.resolved_at is None


def test_next_check_is_the_next_due_or_critical_time() -> None:
    state = fold(PO, [approved(time=0)])
    assert next_check(state, DEFAULT, when(0)) == when(60)
    assert next_check(state, DEFAULT, when(60)) == when(120)
    met = fold(PO, [approved(time=0), delivered("S1", time=90)])
    assert next_check(met, DEFAULT, when(90)) == when(48 * HOUR)
    assert next_check(fold(PO, [approved(time=0), cancelled(time=1)]), DEFAULT, when(1)) is None


def test_times_are_published_in_utc() -> None:
    alert = the(alerts_at(60, approved(time="2025-03-03T10:00:00+01:00")), "delivery_overdue")
    assert alert.raised_at == datetime.fromisoformat("2025-03-03T10:00:00+00:00")
    assert alert.raised_at.utcoffset() is not None and not alert.raised_at.utcoffset()
