"""Alerts projection (CONTRACT §5): alerts per PO, a recorded clock and a publication ledger."""

import asyncio
import base64
import contextlib
import json
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from projections.alerts import OVERDUE_KINDS, evaluate, is_overdue, next_check
from projections.db import Tx, ViewDB
from projections.deadlines import deadlines
from projections.po_state import PoStateProjection
from projections.runner import Context, enqueue, position, setup_runner_tables
from projections.sla import SlaPolicy
from projections.status import PoState, evolve
from schemas.recorded import Fact
from schemas.topics import Topic
from schemas.views import Alert, dump
from services.logging import get_logger

log = get_logger(__name__)
RAISED, RESOLVED = "po.alert.raised", "po.alert.resolved"
ALERTS_DDL = (
    "CREATE TABLE IF NOT EXISTS alerts (alert_id TEXT PRIMARY KEY, po_number TEXT NOT NULL,"
    " revision INTEGER NOT NULL, recipient TEXT, kind TEXT NOT NULL, severity TEXT NOT NULL,"
    " supplier_id TEXT, due_at TEXT, raised_at TEXT NOT NULL, resolved_at TEXT,"
    " escalation_level INTEGER NOT NULL, episode INTEGER NOT NULL, alert TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS alerts_by_po ON alerts (po_number, resolved_at)",
    "CREATE INDEX IF NOT EXISTS alerts_by_kind ON alerts (kind, resolved_at)",
    "CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (raised_at, alert_id)",
)
_OWN_DDL = (
    "CREATE TABLE IF NOT EXISTS alerts_due (po_number TEXT PRIMARY KEY, next_check TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS alerts_due_by_time ON alerts_due (next_check)",
    "CREATE TABLE IF NOT EXISTS alert_clock"
    " (seq BIGINT PRIMARY KEY, position BIGINT NOT NULL, at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS alert_published (alert_id TEXT NOT NULL, transition TEXT NOT NULL,"
    " severity TEXT NOT NULL, PRIMARY KEY (alert_id, transition, severity))",
    # One row: the last recorded tick applied, the clock, and the lock of batches and ticks.
    "CREATE TABLE IF NOT EXISTS alerts_cursor (id INTEGER PRIMARY KEY,"
    " applied_seq BIGINT NOT NULL, clock TEXT)",
    "INSERT INTO alerts_cursor (id, applied_seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
)
_COLUMNS: tuple[str, ...] = ("alert_id", "po_number", "revision", "recipient", "kind")
_COLUMNS += ("severity", "supplier_id", "due_at", "raised_at", "resolved_at", "escalation_level")
_UPSERT = f"INSERT INTO alerts ({', '.join(_COLUMNS)}, episode, alert) VALUES ({'?, ' * 12}?)"
_UPSERT += " ON CONFLICT (alert_id) DO UPDATE SET "
_UPSERT += ", ".join(f"{c} = excluded.{c}" for c in (*_COLUMNS[1:], "episode", "alert"))
_LEDGER = "INSERT INTO alert_published (alert_id, transition, severity) VALUES (?, ?, ?)"
_LEDGER += " ON CONFLICT DO NOTHING"
_DUE = "INSERT INTO alerts_due (po_number, next_check) VALUES (?, ?)"
_alert = Alert.model_validate_json
Tick = tuple[int, int, datetime]
Clock = Callable[[], datetime]
WALL_CLOCK: Clock = partial(datetime.now, UTC)
Cursor = str | None


def _text(time: datetime) -> str:
    """UTC with fixed precision, so times sort correctly as text in either database."""
    return time.astimezone(UTC).isoformat(timespec="microseconds")


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
    # The publication ledger, not the runner, decides what a rebuild sends: nothing sent before.
    publishes_on_replay = True

    def __init__(self, sla: SlaPolicy) -> None:
        self.sla = sla

    def setup(self, tx: Tx) -> None:
        from projections.status_view import PO_STATUS_DDL  # here: status_view imports us

        super().setup(tx)
        for statement in (*ALERTS_DDL, *_OWN_DDL, *PO_STATUS_DDL):
            tx.execute(statement)

    def reset(self, tx: Tx) -> None:
        # alert_clock and alert_published survive: recorded inputs and outputs of the live run.
        super().reset(tx)
        tx.execute("DELETE FROM alerts")
        tx.execute("DELETE FROM alerts_due")
        tx.execute("UPDATE alerts_cursor SET applied_seq = 0, clock = NULL WHERE id = 1")

    def lock(self, tx: Tx) -> None:
        """Serialize batches and ticks (a row lock on PostgreSQL; SQLite locks it all)."""
        tx.execute("UPDATE alerts_cursor SET id = id WHERE id = 1")

    def _begin(self, tx: Tx, ctx: Context) -> _Pass:
        self.lock(tx)
        row = tx.all("SELECT applied_seq, clock FROM alerts_cursor WHERE id = 1")[0]
        now = datetime.fromisoformat(row["clock"]) if row["clock"] else None
        return _Pass(tx, ctx, int(row["applied_seq"]), now)

    def _end(self, run: _Pass) -> None:
        sql = "UPDATE alerts_cursor SET applied_seq = ?, clock = ? WHERE id = 1"
        run.tx.execute(sql, (run.applied_seq, _text(run.now) if run.now else None))

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        run = self._begin(tx, ctx)
        ticks = deque(self._ticks(run, facts[-1][0] if facts else 0))
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
        tx.executemany(
            f"INSERT INTO {self.state_table} (po_number, state) VALUES (?, ?) "
            "ON CONFLICT (po_number) DO UPDATE SET state = excluded.state",
            [(po, run.states[po].model_dump_json()) for po in sorted(folded)],
        )
        self._end(run)

    def tick(self, tx: Tx, now: datetime, position: int, ctx: Context) -> bool:
        """Record a tick taken at projection `position`; fire what became due. False (and
        nothing recorded) while a rebuild is behind recorded ticks: it would land out of order."""
        run = self._begin(tx, ctx)
        for pending in self._ticks(run, position):
            self._tick(run, pending)
        last = tx.all("SELECT MAX(seq) AS seq, MAX(position) AS position FROM alert_clock")[0]
        recorded = last["position"] is None or int(last["position"]) <= position
        if recorded:
            seq = int(last["seq"] or 0) + 1
            sql = "INSERT INTO alert_clock (seq, position, at) VALUES (?, ?, ?)"
            tx.execute(sql, (seq, position, _text(now)))
            self._tick(run, (seq, position, now))
        self._end(run)
        return recorded

    def _ticks(self, run: _Pass, upto_position: int) -> list[Tick]:
        sql = "SELECT seq, position, at FROM alert_clock WHERE seq > ? AND position <= ?"
        rows = run.tx.all(sql + " ORDER BY seq", (run.applied_seq, upto_position))
        return [(int(r["seq"]), int(r["position"]), datetime.fromisoformat(r["at"])) for r in rows]

    def _state(self, run: _Pass, po: str) -> PoState | None:
        if po not in run.states and (loaded := self.load(run.tx, po)) is not None:
            run.states[po] = loaded
        return run.states.get(po)

    def _tick(self, run: _Pass, tick: Tick) -> None:
        run.applied_seq = tick[0]
        self._advance(run, tick[2])

    def _advance(self, run: _Pass, at: datetime, also: str | None = None) -> None:
        """Move the clock to `at` if later; evaluate the POs that became due (and `also`)."""
        due = {also} if also else set()
        if run.now is None or at > run.now:
            run.now = at
            sql = "SELECT po_number FROM alerts_due WHERE next_check <= ?"
            due.update(r["po_number"] for r in run.tx.all(sql, (_text(at),)))
        for po in sorted(due):
            self._evaluate(run, po, run.now)

    def _evaluate(self, run: _Pass, po: str, now: datetime) -> None:
        tx, state = run.tx, self._state(run, po)
        tx.execute("DELETE FROM alerts_due WHERE po_number = ?", (po,))
        if state is None:
            return
        due = deadlines(state, self.sla)  # once, for the next check and the alerts
        if (check := next_check(state, self.sla, now, due)) is not None:
            tx.execute(_DUE, (po, _text(check)))
        rows = tx.all("SELECT alert_id, episode, alert FROM alerts WHERE po_number = ?", (po,))
        stored = {r["alert_id"]: (_alert(r["alert"]), r["episode"]) for r in rows}
        result = evaluate(stored, state, self.sla, now, due)
        for alert, episode in result.changed:
            _store(tx, alert, episode)
        for transition, alert, label in result.publish:
            self._publish(run, transition, alert, label)
        if is_overdue({k: a for k, (a, _) in stored.items()}) != is_overdue(result.alerts):
            _sync_status(run, po, is_overdue(result.alerts))

    def _publish(self, run: _Pass, transition: str, alert: Alert, label: str) -> None:
        """Emit unless the ledger has it; without publishing nothing is noted as sent."""
        key = (alert.alert_id, label, alert.severity)
        if run.ctx.publish and run.tx.execute(_LEDGER, key):
            kind = RESOLVED if transition == "resolved" else RAISED
            run.ctx.emit(Topic.ALERTS, alert.po_number, kind, dump(alert))


def _store(tx: Tx, alert: Alert, episode: int) -> None:
    values = [getattr(alert, column) for column in _COLUMNS]
    values = [_text(v) if isinstance(v, datetime) else v for v in values]
    tx.execute(_UPSERT, (*values, episode, json.dumps(dump(alert), separators=(",", ":"))))


def _sync_status(run: _Pass, po: str, overdue: bool) -> None:
    """Set `overdue` of the stored status view in place and publish the view again."""
    from projections.status_view import STATUS_EVENT  # here: status_view imports us

    # Lock the row before reading it: the status projection may rewrite it meanwhile.
    if not run.tx.execute("UPDATE po_status SET view = view WHERE po_number = ?", (po,)):
        return  # no view yet: the status projection reads the alerts when it writes one
    row = run.tx.all("SELECT view FROM po_status WHERE po_number = ?", (po,))[0]
    view = json.loads(row["view"])
    if view.get("overdue") is not overdue:
        view["overdue"] = overdue
        text = json.dumps(view, separators=(",", ":"))
        run.tx.execute("UPDATE po_status SET view = ? WHERE po_number = ?", (text, po))
        if not run.ctx.replaying:  # like the status projection, a rebuild is silent
            run.ctx.emit(Topic.STATUS, po, STATUS_EVENT, view)


class AlertClock:
    """The live clock, every `seconds`; the only wall-clock read (`clock`, for tests)."""

    def __init__(
        self, projection: AlertsProjection, db: ViewDB, seconds: float, clock: Clock = WALL_CLOCK
    ) -> None:
        self.projection, self.db, self.seconds, self.clock = projection, db, seconds, clock
        with db.transaction() as tx:
            setup_runner_tables(tx, db.postgres)
            projection.setup(tx)

    def tick(self) -> bool:
        with self.db.transaction() as tx:
            # Lock first: the position read must not change until this tick is recorded.
            self.projection.lock(tx)
            ctx = Context()
            at = position(tx, self.projection.name)
            recorded = self.projection.tick(tx, self.clock(), at, ctx)
            enqueue(tx, ctx.messages)
        return recorded

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.tick)
            except Exception as exc:  # a failed tick is retried by the next one
                log.error("alert clock tick failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.seconds)


def open_overdue(tx: Tx, po_numbers: list[str]) -> set[str]:
    """The POs among `po_numbers` with an open delivery or acknowledgment overdue alert."""
    if not po_numbers:
        return set()
    # Callers pass a page of POs: far below either database's limit on parameters.
    sql = "SELECT DISTINCT po_number FROM alerts WHERE resolved_at IS NULL AND kind IN (?, ?)"
    sql += f" AND po_number IN ({', '.join('?' for _ in po_numbers)})"
    return {r["po_number"] for r in tx.all(sql, (*OVERDUE_KINDS, *po_numbers))}


def list_alerts(
    tx: Tx, state: str | None, kind: str | None, supplier: str | None, limit: int, cursor: Cursor
) -> tuple[list[dict[str, Any]], Cursor]:
    """Alerts newest raised first, and the next page's cursor; ValueError on bad arguments."""
    if state not in (None, "open", "resolved") or limit < 1:
        raise ValueError(f"state must be open or resolved and limit >= 1: {state!r}, {limit}")
    where, params = [], []
    if state is not None:
        where.append(f"resolved_at IS {'' if state == 'open' else 'NOT '}NULL")
    for column, value in (("kind", kind), ("supplier_id", supplier)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if cursor is not None:
        raised, key = _decode(cursor)
        where.append("(raised_at < ? OR (raised_at = ? AND alert_id < ?))")
        params += [raised, raised, key]
    sql = "SELECT alert_id, raised_at, alert FROM alerts" + " WHERE " * bool(where)
    sql += " AND ".join(where) + " ORDER BY raised_at DESC, alert_id DESC LIMIT ?"
    rows = tx.all(sql, [*params, limit + 1])
    last = [rows[limit - 1]["raised_at"], rows[limit - 1]["alert_id"]] if rows[limit:] else None
    following = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
    return [json.loads(r["alert"]) for r in rows[:limit]], following


def _decode(cursor: str) -> tuple[str, str]:
    try:
        raised_at, alert_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(raised_at), str(alert_id)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a cursor of this listing: {cursor!r}") from exc
