"""The projection runner: applies the notification log to one projection, exactly once.

A projection's rows, its outbound records (the outbox) and its position in the log are
written in ONE transaction, so after a crash it resumes from the stored position and
nothing is applied twice. The runner reads the log through `NotificationLog` (the event
store implements it) and writes through `Database` (the views adapter implements it).
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from projections.tables import Database, Tx, ddl, positions
from projections.tables.positions import Message
from schemas.recorded import Fact

Progress = Callable[[int, int], None]

# Notifications a rebuild applies per transaction. A rebuild keeps each PO's state in
# memory for a whole batch and folds, renders and writes it once per batch, so the larger
# the batch the fewer times a PO's state is parsed, rendered and written (BENCHMARKS.md,
# issue 12). The bound keeps memory bounded (the batch's facts and its POs' states: the
# status rebuild peaked at 225 MB against 165 MB with batches of 2,000) and a crash
# mid-rebuild loses at most one batch: its rows and the position move commit together.
REBUILD_BATCH = 20_000


class NotificationLog(Protocol):
    """The event store's global, gap-free order of accepted facts (eventsourcing's
    notification log): ids start at 1 and only grow."""

    def max_notification_id(self) -> int:
        """The id of the newest notification (0 when the log is empty)."""
        ...

    def facts_after(self, position: int, limit: int) -> list[tuple[int, Fact]]:
        """Up to `limit` (notification id, fact) pairs with ids above `position`, in order."""
        ...


@dataclass
class Context:
    """What a projection may do besides writing its own rows: queue outbound records."""

    publish: bool = True
    replaying: bool = False
    messages: list[Message] = field(default_factory=list)

    def emit(self, topic: str, key: str, type_: str, payload: dict[str, Any]) -> None:
        """Queue an outbound CloudEvent (contract topic name, key = PO number)."""
        if self.publish:
            self.messages.append((topic, key, type_, payload))


class Projection(Protocol):
    """A view of the facts. `version`: raised whenever the rows it writes change meaning or
    shape; stored rows of another version are rebuilt. `publishes_on_replay`: a rebuild
    still lets it emit (the alerts projection's ledger decides itself what was published
    before). A projection that keeps anything about its rows in memory also has
    `reload()`, to drop it when another process has reset the rows (see `Runner`)."""

    name: str
    version: int
    publishes_on_replay: bool

    def reset(self, tx: Tx) -> None:
        """Delete every row this projection derived (for a rebuild)."""
        ...

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        """Apply facts in notification order."""
        ...


class ConcurrentProjectionError(RuntimeError):
    """Another worker moved the projection's position first; this batch was rolled back."""


@dataclass
class Step:
    applied: int
    position: int
    head: int
    seconds: float

    @property
    def lag(self) -> int:
        """Notifications not yet applied."""
        return max(0, self.head - self.position)


class Runner:
    """Runs one projection; `step()` applies at most one batch of `batch` notifications.

    On start, rows made by another `version` of the projection are forgotten and the
    projection applies the log from the start again (`upgraded` then says so). So are rows
    made under another SLA policy, for a projection that judges by one: it sets `policy`
    (`SlaPolicy.fingerprint`), noted beside its version; rows made before policies were
    noted are taken as made under the current one (`policy_changed` says when it rebuilt).

    Several runners of one projection (workers in several processes, `potrack replay`
    beside them) share it: the position moves only from where a batch began, so each batch
    is applied once, by one of them (the others get ConcurrentProjectionError and go on
    from the new position). A rebuild (`reset`) notes in the views database where the
    rows stood (`positions.mark_replay`); every runner then applies the log up to there as
    a replay, publishing nothing again, whichever runner applies which batch, and as usual
    after it. A runner that finds the position below the one it last knew (another
    process reset the projection) calls the projection's `reload()`, if it has one.
    """

    def __init__(
        self,
        projection: Projection,
        log: NotificationLog,
        db: Database,
        batch: int = 2000,
        rebuild_batch: int = REBUILD_BATCH,
    ) -> None:
        self.projection = projection
        self.log = log
        self.db = db
        self.batch = batch
        # A rebuild's batches: never smaller than a live one (see REBUILD_BATCH).
        self.rebuild_batch = max(batch, rebuild_batch)
        self.upgraded: tuple[int, int] | None = None  # (from, to) when rebuilt on start
        self.restored = 0  # the position the last `reset` resumed from (a checkpoint)
        self.policy_changed = False  # rebuilt on start because the SLA policy changed
        with db.transaction() as tx:
            ddl.create_all(tx, db.postgres)
            stored = positions.version(tx, projection.name)
            fresh = positions.noted(tx, projection.name) is None and not positions.position(
                tx, projection.name
            )
            policy = getattr(projection, "policy", None)
            noted = positions.noted(tx, f"{projection.name}:policy") if policy else None
            if fresh:  # nothing made yet: no rows of another version to forget
                positions.set_version(tx, projection.name, projection.version)
            elif stored != projection.version or (policy and noted not in (None, policy)):
                self.upgraded = (stored, projection.version)
                if stored == projection.version:
                    self.policy_changed = True
                projection.reset(tx)
                positions.forget(tx, projection.name)
                positions.end_replay(tx, projection.name)  # new rules: publish it all again
                positions.set_version(tx, projection.name, projection.version)
            if policy and noted != policy:
                positions.set_version(tx, f"{projection.name}:policy", policy)
            self._known = positions.position(tx, projection.name)  # the position last seen

    @property
    def name(self) -> str:
        return self.projection.name

    def position(self) -> int:
        with self.db.read() as tx:
            return positions.position(tx, self.name)

    def moved_by_another(self) -> bool:
        """Whether another process moved the position since this runner last saw it (a
        batch that failed here was then applied there)."""
        return self.position() != self._known

    def step(
        self, *, publish: bool = True, replaying: bool = False, limit: int | None = None
    ) -> Step:
        """Apply the next batch of at most `limit` notifications (`batch` when None);
        raises ConcurrentProjectionError when another worker moved the position (or began
        a rebuild) meanwhile (nothing is written then).

        Below the position a rebuild began at (`positions.replay_until`) the batch is a
        replay: it ends there, publishes only if the projection `publishes_on_replay` (and
        `publish`), and its context says `replaying`."""
        started = time.perf_counter()
        with self.db.read() as tx:
            old = positions.position(tx, self.name)
            until = positions.replay_until(tx, self.name)
        if old < self._known:  # another process reset the projection since
            reload = getattr(self.projection, "reload", None)
            if reload is not None:
                reload()
        self._known = old
        quiet = until is not None and old < until
        size = limit or self.batch
        limit = min(size, until - old) if quiet and until is not None else size
        facts = self.log.facts_after(old, limit)
        head = self.log.max_notification_id()
        if not facts:
            return Step(0, old, head, time.perf_counter() - started)
        new = facts[-1][0]
        ctx = Context(
            publish=publish and (self.projection.publishes_on_replay or not quiet),
            replaying=replaying or quiet,
        )
        with self.db.transaction() as tx:
            if positions.position(tx, self.name) != old or (
                positions.replay_until(tx, self.name) != until
            ):
                raise ConcurrentProjectionError(f"{self.name}: position moved by another worker")
            self.projection.apply(tx, facts, ctx)
            positions.enqueue(tx, ctx.messages)
            if not positions.move(tx, self.name, old, new):
                raise ConcurrentProjectionError(f"{self.name}: position moved by another worker")
            if until is not None and new >= until:
                positions.end_replay(tx, self.name)
        self._known = new
        return Step(len(facts), new, max(head, new), time.perf_counter() - started)

    def reset(self) -> None:
        """Forget everything derived: the next steps rebuild from the first notification
        (or from the projection's checkpoint: a projection with `restore(tx) -> position`
        puts back rows it saved under these rules, and the rebuild resumes after that
        position), as a replay up to where the rows stood (or where an unfinished rebuild
        began)."""
        with self.db.transaction() as tx:
            until = max(
                positions.position(tx, self.name), positions.replay_until(tx, self.name) or 0
            )
            self.projection.reset(tx)
            positions.forget(tx, self.name)
            restore = getattr(self.projection, "restore", None)
            start = int(restore(tx)) if restore is not None else 0
            if start:
                positions.move(tx, self.name, 0, start)
            if until:
                positions.mark_replay(tx, self.name, until)
        self._known = self.restored = start

    def rebuild(self, progress: Progress | None = None) -> int:
        """Reset, then apply every notification again in batches of `rebuild_batch`;
        returns the events this runner applied (running workers of the projection may
        apply some of the batches).

        Status and commitments records are not published again up to where the rows
        stood (the earlier run published the same content); what comes after is published
        as usual; a projection with `publishes_on_replay` decides itself.
        """
        self.reset()
        applied = 0
        while True:
            try:
                step = self.step(limit=self.rebuild_batch)
            except ConcurrentProjectionError:  # a worker applied that batch: go on after it
                continue
            applied += step.applied
            if progress:
                progress(step.position, step.head)
            if step.applied == 0 or step.lag == 0:
                return applied
