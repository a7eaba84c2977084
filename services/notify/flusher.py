"""The flusher: sends the queued notifications, per target, and notes each in the ledger.

Every second it leases the targets that have something due (`notify_targets`, so that
two notifier processes never send for the same target at once) and sends for each in a
task of its own, so a slow or failing target holds up no other. Per message (a digest or
one transition, `services.notify.digest`): render, send through Apprise, and only after
Apprise reports success write the ledger rows and remove the queue rows in one
transaction. A crash between the send and that transaction repeats that one message on
restart (the lease runs out first), and loses none.

A failed send leaves the rows queued and backs the target off exponentially
(`services.retry.backoff`: 0.5 s doubling to 30 s), counted in `notify_targets`, logged,
and shown in `/metrics` (`potrack_notify_target_failures{target}` with the URL masked).
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from projections.tables import Database, Tx, alerts, notifications
from projections.tables.notifications import Queued
from services import metrics
from services.logging import get_logger
from services.notify import gauges
from services.notify.digest import messages
from services.notify.notice import Notice
from services.notify.render import Renderer
from services.notify.send import TIMEOUT, send
from services.notify.targets import Message, Targets
from services.retry import backoff
from services.runtime import periodically

log = get_logger(__name__)


class Flusher:
    """Sends what is due, one task per target; `owner` names this process in the leases."""

    def __init__(
        self,
        db: Database,
        targets: Targets,
        renderer: Renderer,
        *,
        owner: str,
        lease_seconds: float,
        every: float = 1.0,
    ) -> None:
        self.db = db
        self.targets = targets
        self.renderer = renderer
        self.owner = owner
        self.lease = timedelta(seconds=lease_seconds)
        self.every = every
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every `every` seconds until `stop`; sends under way are finished."""
        await periodically(
            stop, self.every, lambda: self.step(datetime.now(UTC)), "notification flush failed"
        )
        await self.drain()

    async def step(self, now: datetime) -> list[str]:
        """Lease the due targets not in hand and start sending to each; returns them."""
        started = await asyncio.to_thread(self._lease_due, now)
        for target in started:
            self.tasks[target] = asyncio.create_task(self._flush(target, now))
        return started

    async def drain(self) -> None:
        """Wait for every send under way (tests, shutdown)."""
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)

    def _lease_due(self, now: datetime) -> list[str]:
        # Most rounds find nothing due: look (and set the gauges) in a read transaction
        # before taking the write lock (SQLite has one for the whole file).
        with self.db.read() as tx:
            gauges.refresh(tx)
            if not [t for t in notifications.due_targets(tx, now) if t not in self.tasks]:
                return []
        with self.db.transaction() as tx:
            due = [t for t in notifications.due_targets(tx, now) if t not in self.tasks]
            leased = [
                t for t in due if notifications.claim(tx, t, self.owner, now, now + self.lease)
            ]
        return leased

    async def _flush(self, target: str, now: datetime) -> None:
        try:
            rows = await asyncio.to_thread(self._queued, target)
            rows = await asyncio.to_thread(self._without_stale_reminders, rows)
            for batch in messages(rows, now):
                if not await self._deliver(target, batch):
                    break
        except Exception as exc:  # the next step tries again
            log.error("notification flush failed", target=target.split(":")[0], error=str(exc))
        finally:
            await asyncio.to_thread(self._release, target)
            self.tasks.pop(target, None)

    async def _deliver(self, target: str, batch: list[Queued]) -> bool:
        """Send one message; True when delivered (or dropped), False to stop this target."""
        notices = [Notice.model_validate(q.item) for q in batch]
        url = self.targets.url(target, notices)
        if url is None:
            log.warning(
                "notification target left the rules", target=batch[0].label, dropped=len(batch)
            )
            metrics.NOTIFICATIONS.labels(outcome="dropped").inc(len(batch))
            await asyncio.to_thread(self._write, lambda tx: notifications.remove(tx, batch))
            return True
        if not await asyncio.to_thread(self._renew, target):
            return False  # the lease ran out and another process took the target
        kind: Message = "reminder" if batch[0].message == "reminder" else "notification"
        message = self.renderer.render(kind, notices, datetime.now(UTC))
        error = await send(url, message, timeout=min(TIMEOUT, self.lease.total_seconds() / 2))
        if error is not None:
            await asyncio.to_thread(self._failed, target, batch, error)
            return False
        sent_at = datetime.now(UTC)
        await asyncio.to_thread(self._write, lambda tx: notifications.delivered(tx, batch, sent_at))
        metrics.NOTIFICATIONS.labels(outcome="sent").inc(len(batch))
        log.info(
            "notification sent",
            target=batch[0].label,
            message=batch[0].message,
            transitions=len(batch),
            po_number=batch[0].po_number if len(batch) == 1 else None,
            alert_id=batch[0].alert_id if len(batch) == 1 else None,
        )
        return True

    def _without_stale_reminders(self, rows: list[Queued]) -> list[Queued]:
        """`rows` less the reminders whose alert was resolved meanwhile (the supplier
        acknowledged, the revision was superseded, the PO cancelled): those are taken off the
        queue unsent, so a supplier is never urged for what no longer waits on it."""
        reminders = [q.alert_id for q in rows if q.message == "reminder"]
        if not reminders:
            return rows
        with self.db.transaction() as tx:
            done = alerts.resolved(tx, reminders)
            stale = [q for q in rows if q.message == "reminder" and q.alert_id in done]
            notifications.remove(tx, stale)
        if stale:
            metrics.NOTIFICATIONS.labels(outcome="dropped").inc(len(stale))
            log.info(
                "reminders withdrawn: resolved before they went out",
                target=stale[0].label,
                dropped=len(stale),
            )
        gone = {q.id for q in stale}
        return [q for q in rows if q.id not in gone]

    def _queued(self, target: str) -> list[Queued]:
        with self.db.read() as tx:
            return notifications.queued(tx, target)

    def _write(self, action: Callable[[Tx], None]) -> None:
        with self.db.transaction() as tx:
            action(tx)

    def _renew(self, target: str) -> bool:
        now = datetime.now(UTC)
        with self.db.transaction() as tx:
            return notifications.claim(tx, target, self.owner, now, now + self.lease)

    def _failed(self, target: str, batch: list[Queued], error: str) -> None:
        now = datetime.now(UTC)
        with self.db.transaction() as tx:
            failures = notifications.failures(tx, target) + 1
            retry = now + timedelta(seconds=backoff(failures))
            notifications.failed(tx, target, error, now, retry)
            gauges.refresh(tx)
        metrics.NOTIFICATIONS.labels(outcome="failed").inc(len(batch))
        log.warning(
            "notification target failing",
            target=batch[0].label,
            failures=failures,
            waiting=len(batch),
            retry_in_s=round((retry - now).total_seconds(), 1),
            error=error,
        )

    def _release(self, target: str) -> None:
        with self.db.transaction() as tx:
            notifications.release(tx, target, self.owner)
