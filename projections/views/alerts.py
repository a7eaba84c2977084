"""Alerts projection (docs/contract.md §5): alerts per PO, judged at the ingest watermark,
with a publication ledger. Ingest records the watermarks (`projections.tables.watermarks`);
`services.workers.watermark` applies them while no new fact comes."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from projections.alerts import Transition, evaluate, ledger_label, next_check
from projections.deadlines import deadlines
from projections.fold import PoState, evolve
from projections.overdue import is_overdue
from projections.runner import Context
from projections.sla import SlaPolicy
from projections.tables import Tx, alerts, checkpoint, states, status, watermarks
from projections.tables.watermarks import Watermark
from projections.views.base import PoStateProjection
from schemas.recorded import Fact
from schemas.topics import OutboundType, Topic
from schemas.views import Alert, dump

SUPERSEDED = "withdrawn: the rules or the SLA policy changed, and no longer raise it"


@dataclass
class _Pass:  # one transaction's work: the last watermark applied, the PO states loaded
    tx: Tx
    ctx: Context
    applied_seq: int
    now: datetime | None
    position: int  # the last notification applied once the pass ends
    states: dict[str, PoState] = field(default_factory=dict)
    folded: set[str] = field(default_factory=set)  # POs whose state changed (to save)
    dirty: set[str] = field(default_factory=set)  # POs with facts since the last watermark


class AlertsProjection(PoStateProjection):
    """Alerts of each PO, judged only at recorded ingest watermarks (contract §5).

    Facts are folded into each PO's state as they come and only mark the PO for judgment;
    at each watermark (taken at notification position p, time t) the POs marked since the
    last one, and those whose next check is due by t, are judged on every fact up to p with
    the clock at t; a PO with a fact recorded after t waits for a later watermark. So
    history that arrives late together (a backfill) raises nothing for a
    deadline it meets itself, and a rebuild meets the same watermarks at the same positions:
    it finds the same alerts, and the publication ledger keeps it from sending any again.
    Between watermarks facts cost a fold each; judging costs one pass per PO per watermark.

    Every `checkpoint_every` watermarks judged it copies its rows as a checkpoint and
    prunes the watermarks before it (`projections.tables.checkpoint`); a rebuild under the
    same rules and policy starts from the checkpoint (`restore`), so it meets the same
    watermarks at the same positions as the live run did after it. 0: no checkpoints, the
    watermark log is kept whole.
    """

    name = "alerts"
    # 3: judged at the ingest watermark (not at each fact against a clock that event times
    # moved), and escalation steps from the SLA policy; 4: `changes_proposed` is `warning`
    # within tolerance and `critical` outside, and none when the changes count as accepted.
    version = 4
    # The publication ledger, not the runner, decides what a rebuild sends: nothing sent before.
    publishes_on_replay = True

    def __init__(self, sla: SlaPolicy, checkpoint_every: int = 0) -> None:
        self.sla = sla
        self.checkpoint_every = checkpoint_every
        self.policy = sla.fingerprint()  # rows made under another policy are rebuilt
        self._superseded: bool | None = None  # alerts set aside at a reset: None, not looked

    def reload(self) -> None:
        """Another process reset the rows (`Runner`): look for set-aside alerts again."""
        self._superseded = None

    def reset(self, tx: Tx) -> None:
        # The watermarks and alert_published survive: recorded inputs and outputs of the run.
        # Open alerts are set aside: what the new rules (or policy) no longer raise is
        # resolved as withdrawn once the rebuild is back where the old run was (`_withdraw`).
        super().reset(tx)
        alerts.reset(tx)
        self._superseded = True

    def restore(self, tx: Tx) -> int:
        """After `reset`, for a rebuild: put back the checkpoint's rows if it was taken under
        these rules and this policy; the notification position to resume after (0: from
        the first event)."""
        mark = checkpoint.restore(tx, self.version, self.policy)
        return mark.position if mark is not None else 0

    def _begin(self, tx: Tx, ctx: Context, position: int) -> _Pass:
        alerts.lock(tx)
        applied_seq, now = alerts.cursor(tx)
        return _Pass(tx, ctx, applied_seq, now, position)

    def _end(self, run: _Pass) -> None:
        states.save(run.tx, self.name, [run.states[po] for po in sorted(run.folded)])
        alerts.set_pending(run.tx, sorted(run.dirty))  # judged at the next watermark
        alerts.set_cursor(run.tx, run.applied_seq, run.now)
        if self.checkpoint_every and run.position:
            last = checkpoint.latest(run.tx)
            if run.applied_seq - (last.seq if last else 0) >= self.checkpoint_every:
                mark = checkpoint.Checkpoint(
                    run.applied_seq, run.position, run.now, self.version, self.policy
                )
                checkpoint.take(run.tx, mark, keep=0)

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        run = self._begin(tx, ctx, facts[-1][0] if facts else 0)
        marks = watermarks.after(tx, run.applied_seq, facts[-1][0]) if facts else []
        self._load(run, {fact.subject for _, fact in facts})
        next_mark = 0
        for notification, fact in facts:
            while next_mark < len(marks) and marks[next_mark].position < notification:
                self._judge(run, marks[next_mark])
                next_mark += 1
            po = fact.subject
            state = run.states.setdefault(po, PoState(po_number=po))
            evolve(state, fact)
            run.folded.add(po)
            run.dirty.add(po)
        for mark in marks[next_mark:]:
            self._judge(run, mark)
        self._end(run)

    def advance(self, tx: Tx, position: int, ctx: Context) -> int:
        """Judge the watermarks recorded at or below projection `position` not judged yet
        (the caller holds `alerts.lock` since it read `position`); how many there were."""
        run = self._begin(tx, ctx, position)
        marks = watermarks.after(tx, run.applied_seq, position)
        for mark in marks:
            self._judge(run, mark)
        self._end(run)
        return len(marks)

    def _load(self, run: _Pass, pos: Iterable[str]) -> None:
        missing = sorted(set(pos) - set(run.states))
        run.states.update(states.load(run.tx, self.name, missing))

    def _judge(self, run: _Pass, mark: Watermark) -> None:
        """Every PO marked since the last watermark or due by `mark.at`, judged at it."""
        run.applied_seq = mark.seq
        if run.now is None or mark.at > run.now:
            run.now = mark.at
        marked = sorted(run.dirty | set(alerts.due(run.tx, run.now)))
        run.dirty.clear()
        self._load(run, marked)
        # A PO with a fact recorded after the watermark waits for a later one: what came
        # with that fact (a document the gateway still translates, the rest of a back-fill)
        # is only sure to be in once a watermark passes the time it was recorded.
        due: list[str] = []
        later: list[str] = []
        for po in marked:
            state = run.states.get(po)
            recorded = state.last_recorded_at if state is not None else None
            (later if recorded is not None and recorded > run.now else due).append(po)
        stored = alerts.of_pos(run.tx, due)
        checks: list[tuple[str, datetime | None]] = []
        changed: list[tuple[Alert, int]] = []
        for po in due:
            checks.append((po, self._evaluate(run, po, run.now, stored.get(po, {}), changed)))
        alerts.store_many(run.tx, changed)
        alerts.set_next_checks(run.tx, checks)
        run.dirty.update(later)
        self._withdraw(run, mark)

    def _withdraw(self, run: _Pass, mark: Watermark) -> None:
        """Resolve, as withdrawn, the alerts open before the last reset that the rebuild,
        now judged as far as the old run had (`mark`), does not have: published as raised
        once, they must not stay open on po.alerts.v1 (a new SLA policy counting changes
        within tolerance as accepted, for one)."""
        if self._superseded is False:
            return
        aside = alerts.superseded_until(run.tx, mark.seq)
        if aside:
            present = alerts.known(run.tx, [a.alert_id for a, _ in aside])
            gone = [(a, episode) for a, episode in aside if a.alert_id not in present]
            settled = [
                (
                    a.model_copy(
                        update={
                            "resolved_at": max(run.now or mark.at, a.raised_at),
                            "detail": SUPERSEDED,
                        }
                    ),
                    episode,
                )
                for a, episode in gone
            ]
            alerts.store_many(run.tx, settled)
            for alert, episode in settled:
                self._publish(run, "resolved", alert, ledger_label("resolved", alert, episode))
            alerts.drop_superseded(run.tx, [a.alert_id for a, _ in aside])
        self._superseded = alerts.any_superseded(run.tx)

    def _evaluate(
        self,
        run: _Pass,
        po: str,
        now: datetime,
        stored: dict[str, tuple[Alert, int]],
        changed: list[tuple[Alert, int]],
    ) -> datetime | None:
        """Judge one PO at `now`: publish what changed and add it to `changed` (to store);
        its next check."""
        state = run.states.get(po)
        if state is None:
            return None
        due = deadlines(state, self.sla)  # once, for the next check and the alerts
        result = evaluate(stored, state, self.sla, now, due)
        changed.extend(result.changed)
        for transition, alert, label in result.publish:
            self._publish(run, transition, alert, label)
        was = is_overdue(a for a, _ in stored.values())
        if was != (now_overdue := is_overdue(result.alerts.values())):
            view = status.set_overdue(run.tx, po, now_overdue)
            # No view yet: the status projection reads the alerts when it writes one. Like
            # the status projection, a rebuild republishes nothing.
            if view is not None and not run.ctx.replaying:
                run.ctx.emit(Topic.STATUS, po, OutboundType.STATUS, view)
        return next_check(state, self.sla, now, due, result.alerts.values())

    def _publish(self, run: _Pass, transition: Transition, alert: Alert, label: str) -> None:
        """Emit unless the ledger has it; without publishing nothing is noted as sent."""
        if run.ctx.publish and alerts.note_published(run.tx, alert.alert_id, label, alert.severity):
            kind = (
                OutboundType.ALERT_RESOLVED
                if transition == "resolved"
                else OutboundType.ALERT_RAISED
            )
            run.ctx.emit(Topic.ALERTS, alert.po_number, kind, dump(alert))
