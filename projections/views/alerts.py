"""Alerts projection (docs/contract.md §5): alerts per PO, a recorded clock and a
publication ledger. The live clock that records ticks is `services.workers.alert_clock`."""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from projections.alerts import Transition, evaluate, next_check
from projections.deadlines import deadlines
from projections.fold import PoState, evolve
from projections.overdue import is_overdue
from projections.runner import Context
from projections.sla import SlaPolicy
from projections.tables import Tx, alerts, states, status
from projections.views.base import PoStateProjection
from schemas.recorded import Fact
from schemas.topics import OutboundType, Topic
from schemas.views import Alert, dump


@dataclass
class _Pass:  # one transaction's work: the clock as it moves, the PO states loaded so far
    tx: Tx
    ctx: Context
    applied_seq: int
    now: datetime | None
    states: dict[str, PoState] = field(default_factory=dict)


class AlertsProjection(PoStateProjection):
    """Alerts of each PO from its facts and one clock that replays exactly: clock = max(ticks
    recorded up to the current position, event times applied so far). Facts are evaluated one
    by one, recorded ticks interleaved where they were taken: a rebuild sees the same (state,
    clock) sequence as the live run."""

    name = "alerts"
    # 2: a permanent failure voids earlier transport evidence (contract v1.1 §3): a bounce
    # after po.delivered raises delivery_failed, and a voided delivery meets no deadline.
    version = 2
    # The publication ledger, not the runner, decides what a rebuild sends: nothing sent before.
    publishes_on_replay = True

    def __init__(self, sla: SlaPolicy) -> None:
        self.sla = sla

    def reset(self, tx: Tx) -> None:
        # alert_clock and alert_published survive: recorded inputs and outputs of the live run.
        super().reset(tx)
        alerts.reset(tx)

    def _begin(self, tx: Tx, ctx: Context) -> _Pass:
        alerts.lock(tx)
        applied_seq, now = alerts.cursor(tx)
        return _Pass(tx, ctx, applied_seq, now)

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        run = self._begin(tx, ctx)
        ticks = deque(alerts.ticks(tx, run.applied_seq, facts[-1][0] if facts else 0))
        folded: set[str] = set()
        for notification, fact in facts:
            while ticks and ticks[0][1] < notification:
                self._tick(run, ticks.popleft())
            po = fact.subject
            state = run.states[po] = self._state(run, po) or PoState(po_number=po)
            evolve(state, fact)
            folded.add(po)
            # A producer's clock running ahead must not age every PO: a fact moves the clock
            # at most to when potrack recorded it (stored, so a replay does the same).
            self._advance(run, min(fact.time, fact.recorded_at), also=po)
        while ticks:
            self._tick(run, ticks.popleft())
        states.save(tx, self.name, [run.states[po] for po in sorted(folded)])
        alerts.set_cursor(tx, run.applied_seq, run.now)

    def tick(self, tx: Tx, now: datetime, position: int, ctx: Context) -> bool:
        """Record a tick taken at projection `position`; fire what became due. False (and
        nothing recorded) while a rebuild is behind recorded ticks: it would land out of order.
        The caller holds `alerts.lock` since it read `position`."""
        run = self._begin(tx, ctx)
        for pending in alerts.ticks(tx, run.applied_seq, position):
            self._tick(run, pending)
        recorded = alerts.record_tick(tx, position, now)
        if recorded is not None:
            self._tick(run, recorded)
        alerts.set_cursor(tx, run.applied_seq, run.now)
        return recorded is not None

    def _state(self, run: _Pass, po: str) -> PoState | None:
        if po not in run.states and (loaded := self.load(run.tx, po)) is not None:
            run.states[po] = loaded
        return run.states.get(po)

    def _tick(self, run: _Pass, tick: alerts.Tick) -> None:
        run.applied_seq = tick[0]
        self._advance(run, tick[2])

    def _advance(self, run: _Pass, at: datetime, also: str | None = None) -> None:
        """Move the clock to `at` if later; evaluate the POs that became due (and `also`)."""
        due = {also} if also else set()
        if run.now is None or at > run.now:
            run.now = at
            due.update(alerts.due(run.tx, at))
        for po in sorted(due):
            self._evaluate(run, po, run.now)

    def _evaluate(self, run: _Pass, po: str, now: datetime) -> None:
        tx, state = run.tx, self._state(run, po)
        if state is None:
            alerts.set_next_check(tx, po, None)
            return
        due = deadlines(state, self.sla)  # once, for the next check and the alerts
        alerts.set_next_check(tx, po, next_check(state, self.sla, now, due))
        stored = alerts.of_po(tx, po)
        result = evaluate(stored, state, self.sla, now, due)
        for alert, episode in result.changed:
            alerts.store(tx, alert, episode)
        for transition, alert, label in result.publish:
            self._publish(run, transition, alert, label)
        was = is_overdue(a for a, _ in stored.values())
        if was != (now_overdue := is_overdue(result.alerts.values())):
            view = status.set_overdue(tx, po, now_overdue)
            # No view yet: the status projection reads the alerts when it writes one. Like
            # the status projection, a rebuild republishes nothing.
            if view is not None and not run.ctx.replaying:
                run.ctx.emit(Topic.STATUS, po, OutboundType.STATUS, view)

    def _publish(self, run: _Pass, transition: Transition, alert: Alert, label: str) -> None:
        """Emit unless the ledger has it; without publishing nothing is noted as sent."""
        if run.ctx.publish and alerts.note_published(run.tx, alert.alert_id, label, alert.severity):
            kind = (
                OutboundType.ALERT_RESOLVED
                if transition == "resolved"
                else OutboundType.ALERT_RAISED
            )
            run.ctx.emit(Topic.ALERTS, alert.po_number, kind, dump(alert))
