"""Delay alerts of one PO (docs/contract.md §5): pure functions of state, SLA and a clock."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from projections.deadlines import Deadline, DeadlineKind, deadlines, delivered_at
from projections.deviations import judged
from projections.fold import PoState, Track
from projections.sla import SlaPolicy
from schemas.status import Decision, RecipientKind
from schemas.views import Alert, AlertKind, Severity

Transition = Literal["raised", "escalated", "resolved"]
OVERDUE: dict[DeadlineKind, AlertKind] = {
    "delivery": "delivery_overdue",
    "acknowledgment": "acknowledgment_overdue",
    "receipt": "receipt_overdue",
}
# What each deadline's window runs from (the alert's detail says it).
SINCE: dict[DeadlineKind, str] = {
    "delivery": "the revision was announced",
    "acknowledgment": "the revision was announced",
    "receipt": "it was sent",
}
WITHDRAWN = "withdrawn: a fact recorded late shows it never applied"
DECISIONS: dict[Decision, tuple[AlertKind, Severity]] = {
    Decision.REJECTED: ("acknowledgment_rejected", "critical"),
    Decision.ACCEPTED_WITH_CHANGES: ("changes_proposed", "critical"),  # warning: within tolerance
}


def alert_id(po_number: str, revision: int, recipient: str | None, kind: str) -> str:
    """Deterministic, so a replay finds (and does not re-publish) the same alert."""
    return f"{po_number}/r{revision}/{recipient or '-'}/{kind}"


def _earliest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def _utc(time: datetime | None) -> datetime | None:
    # One offset everywhere: stored times then sort as text and payloads compare equal.
    return time.astimezone(UTC) if time is not None else None


def _alert(
    state: PoState,
    revision: int,
    recipient: str,
    kind: AlertKind,
    severity: Severity,
    raised: datetime,
    resolved: datetime | None,
    *,
    level: int = 1,
    due: datetime | None = None,
    detail: str | None = None,
) -> Alert | None:
    """The alert, or None when what it waits for had already happened when it would rise."""
    if resolved is not None and resolved <= raised:
        return None
    plan = state.plan(revision)
    # Built from validated state: constructed without validating again (judging is hot).
    return Alert.model_construct(
        alert_id=alert_id(state.po_number, revision, recipient, kind),
        po_number=state.po_number,
        revision=revision,
        recipient=recipient,
        kind=kind,
        severity=severity,
        due_at=_utc(due),
        raised_at=raised.astimezone(UTC),
        resolved_at=_utc(resolved),
        escalation_level=level,
        supplier_id=plan.supplier.id if plan else None,
        detail=detail,
    )


def _overdue(state: PoState, deadline: Deadline, clock: datetime) -> Alert | None:
    closed = deadline.closed_at
    if clock < deadline.due or (closed is not None and closed <= deadline.due):
        return None
    critical_at = deadline.critical_at()
    critical = clock >= critical_at and (closed is None or closed > critical_at)
    return _alert(
        state,
        deadline.revision,
        deadline.recipient,
        OVERDUE[deadline.kind],
        "critical" if critical else "warning",
        deadline.due,
        closed if closed is not None and closed <= clock else None,
        level=2 if critical else 1,
        due=deadline.due,
        detail=f"{deadline.kind} by {deadline.channel} due {deadline.due - deadline.start}"
        f" after {SINCE[deadline.kind]}",
    )


def _stale(state: PoState, revision: int, recipient: str, own: Track | None) -> Alert | None:
    """The recipient's newest acknowledgment is of an older revision than `revision`."""
    older = next(
        (
            (rev, t.ack)
            for rev in range(revision - 1, 0, -1)
            if (t := state.track(rev, recipient)) is not None and t.ack is not None
        ),
        None,
    )
    if older is None:
        return None
    old_revision, ack = older
    raised = max(ack.order[0], state.plans[revision].order[0])
    return _alert(
        state,
        revision,
        recipient,
        "stale_acknowledgment",
        "warning",
        raised,
        _earliest(own.first_ack_at if own else None, _void(state, revision)),
        detail=f"last acknowledged revision {old_revision}",
    )


def _void(state: PoState, revision: int) -> datetime | None:
    """When the revision stopped mattering: the PO cancelled or the next revision announced."""
    later = [p.order[0] for rev, p in state.plans.items() if rev > revision]
    return _earliest(state.cancelled_at, min(later) if later else None)


def _decision_alert(
    state: PoState,
    revision: int,
    recipient: str,
    track: Track,
    sla: SlaPolicy,
    void: datetime | None,
) -> Alert | None:
    """`acknowledgment_rejected` (critical) or `changes_proposed`: `warning` when every
    deviation is within the supplier's tolerance, else `critical`; none when the changes
    count as accepted (`accept_within_tolerance`, `projections.deviations`)."""
    ack = track.ack
    if ack is None or ack.decision not in DECISIONS:
        return None
    kind, severity = DECISIONS[ack.decision]
    detail = ack.reason
    if ack.decision is Decision.ACCEPTED_WITH_CHANGES:
        judgement = judged(state, revision, track, sla)
        if judgement is not None and judgement.counted is Decision.ACCEPTED:
            return None
        if judgement is not None and judgement.within:
            severity = "warning"
        else:
            severity = "critical"
            outside = (
                [d for d in judgement.deviations if not d.within_tolerance] if judgement else []
            )
            lines = ", ".join(f"line {d.line}: {'/'.join(d.outside)}" for d in outside)
            detail = "; ".join(
                filter(
                    None,
                    [ack.reason, f"outside tolerance: {lines}" if lines else "outside tolerance"],
                )
            )
    return _alert(state, revision, recipient, kind, severity, ack.order[0], void, detail=detail)


def _recipient_alerts(state: PoState, revision: int, sla: SlaPolicy) -> list[Alert | None]:
    plan = state.plans[revision].data
    void = _void(state, revision)
    found: list[Alert | None] = []
    for recipient in plan.recipients:
        track = state.track(revision, recipient.id)
        if track is not None and track.failed_at is not None:
            failure = track.last_failure.failure if track.last_failure else None
            found.append(
                _alert(
                    state,
                    revision,
                    recipient.id,
                    "delivery_failed",
                    "critical",
                    track.failed_at,
                    _earliest(delivered_at(track), void),
                    detail=" ".join(filter(None, [failure.code, failure.reason]))
                    if failure
                    else None,
                )
            )
        if recipient.kind is not RecipientKind.SUPPLIER:
            continue
        if track is not None:
            found.append(_decision_alert(state, revision, recipient.id, track, sla, void))
        found.append(_stale(state, revision, recipient.id, track))
    return found


def escalated(alert: Alert, steps: Sequence[timedelta], clock: datetime) -> Alert:
    """`alert` one level higher for each step (a time after it was raised, `SlaPolicy.
    escalation_steps`) that passed by `clock` while it was still open."""
    until = min(clock, alert.resolved_at) if alert.resolved_at is not None else clock
    passed = sum(1 for step in steps if alert.raised_at + step <= until)
    if not passed:
        return alert
    return alert.model_copy(update={"escalation_level": alert.escalation_level + passed})


def expected_alerts(
    state: PoState, sla: SlaPolicy, clock: datetime, due: Sequence[Deadline] | None = None
) -> dict[str, Alert]:
    """Every alert (open or resolved) the PO has at `clock`, by alert id (contract §5).

    Overdue kinds depend on the clock; the others only on recorded facts. Each resolves
    when the fact it waits for is recorded, the PO is cancelled or the revision superseded.
    Levels step up with the policy's escalation steps (`escalated`).
    """
    if state.approved_at is None:
        return {}
    found = [_overdue(state, d, clock) for d in (deadlines(state, sla) if due is None else due)]
    for revision in sorted(state.plans):
        found.extend(_recipient_alerts(state, revision, sla))
    steps = sla.escalation_steps(_supplier(state))
    return {a.alert_id: escalated(a, steps, clock) for a in found if a is not None}


def _supplier(state: PoState) -> str | None:
    plan = state.plan(state.revision) if state.plans else None
    return plan.supplier.id if plan else None


def settle(
    previous: Mapping[str, Alert], current: Mapping[str, Alert], state: PoState
) -> dict[str, Alert]:
    """`current` plus earlier alerts the rules no longer produce, kept and resolved.

    An alert vanishes when the counting acknowledgment changed decision (resolved then), or
    when a late fact shows it never applied, e.g. an acknowledgment dated before the due
    time (withdrawn: resolved at its own raise time, since it was published already).
    """
    settled = dict(current)
    for key, old in previous.items():
        if key in settled:
            continue
        if old.resolved_at is None:
            track = state.track(old.revision, old.recipient or "")
            changed = track.ack.order[0] if track and track.ack else None
            decision = old.kind in ("acknowledgment_rejected", "changes_proposed")
            if decision and changed is not None and changed > old.raised_at:
                update = {"resolved_at": _utc(changed), "detail": "the decision changed"}
            else:
                update = {"resolved_at": old.raised_at, "detail": WITHDRAWN}
            old = old.model_copy(update=update)
        settled[key] = old
    return settled


def transitions(
    previous: Mapping[str, Alert], current: Mapping[str, Alert]
) -> list[tuple[Transition, Alert]]:
    """What to publish going from `previous` to `current` (ids absent from `current` are
    ignored: `settle` first). An alert both raised and resolved in between gives both; an
    open alert whose severity changed is raised again with it."""
    changes: list[tuple[Transition, Alert]] = []
    for key in sorted(current):
        now, before = current[key], previous.get(key)
        opened = now.model_copy(update={"resolved_at": None})
        reopened = before is not None and before.resolved_at is not None and now.resolved_at is None
        if before is None or reopened:
            changes.append(("raised", opened))
        elif before.resolved_at is None and now.escalation_level > before.escalation_level:
            changes.append(("escalated", opened))
        elif before.resolved_at is None is now.resolved_at and now.severity != before.severity:
            # A new acknowledgment judged against the tolerance: raised again with the
            # severity it has now (the ledger publishes each severity once per episode).
            changes.append(("raised", opened))
        if now.resolved_at is not None and (before is None or before.resolved_at is None):
            changes.append(("resolved", now))
    return changes


def next_check(
    state: PoState,
    sla: SlaPolicy,
    clock: datetime,
    due: Sequence[Deadline] | None = None,
    current: Iterable[Alert] = (),
) -> datetime | None:
    """The earliest time after `clock` at which the alerts change with no new fact: a
    deadline passing or turning critical, a closing fact dated after `clock`, or an open
    alert of `current` reaching its next escalation step."""
    times: list[datetime] = []
    steps = sla.escalation_steps(_supplier(state))
    for alert in current:
        if alert.resolved_at is None:
            times.extend(t for step in steps if (t := alert.raised_at + step) > clock)
    for deadline in deadlines(state, sla) if due is None else due:
        closed = deadline.closed_at
        for at in (deadline.due, deadline.critical_at()):
            if at > clock and (closed is None or closed > at):
                times.append(at)
        # A closing fact dated after the clock resolves the alert once the clock gets there.
        if closed is not None and closed > clock and closed > deadline.due:
            times.append(closed)
    return min(times, default=None)


@dataclass(frozen=True)
class Evaluation:
    alerts: dict[str, Alert]
    changed: list[tuple[Alert, int]]  # alerts to store, with their episode
    publish: list[tuple[Transition, Alert, str]]  # with the publication ledger's label


def evaluate(
    previous: Mapping[str, tuple[Alert, int]],
    state: PoState,
    sla: SlaPolicy,
    clock: datetime,
    due: Sequence[Deadline] | None = None,
) -> Evaluation:
    """From the stored (alert, episode) pairs to the alerts at `clock` and what changed.

    A resolved alert that opens again (a new rejection after an acceptance) starts a new
    episode: its ledger labels differ ("raised#2"), so it is published although the first
    episode was.
    """
    before = {key: alert for key, (alert, _) in previous.items()}
    episodes = {key: episode for key, (_, episode) in previous.items()}
    after = settle(before, expected_alerts(state, sla, clock, due), state)
    changed = []
    for key, alert in sorted(after.items()):
        old = before.get(key)
        if old == alert:
            continue
        reopened = old is not None and old.resolved_at is not None and alert.resolved_at is None
        episodes[key] = episodes.get(key, 1) + reopened
        changed.append((alert, episodes[key]))
    publish = []
    for transition, alert in transitions(before, after):
        episode = episodes[alert.alert_id]
        publish.append((transition, alert, ledger_label(transition, alert, episode)))
    return Evaluation(after, changed, publish)


def ledger_label(transition: Transition, alert: Alert, episode: int) -> str:
    """The publication ledger's name of a transition: `raised`, `escalated` (to level 2),
    `escalated@3` and up, `resolved`; `#2` and up for a later episode of the alert."""
    label: str = transition
    if transition == "escalated" and alert.escalation_level > 2:
        label += f"@{alert.escalation_level}"
    return f"{label}#{episode}" if episode > 1 else label
