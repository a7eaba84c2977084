"""`potrack notify`: po.alerts.v1 in, messages to people out (email, chat, webhooks).

A FastStream subscriber in its own consumer group (POTRACK_NOTIFY_GROUP), in batches. For
each batch it decodes the alert transitions, routes them by the rules
(POTRACK_NOTIFY_FILE), resolves the named targets from the PO's plan in the event store
(buyer email, the recipient's address) and writes every (transition, target) into the
queue table in one transaction, then acknowledges the batch. NACK_ON_ERROR: an error
seeks back, so no offset is committed past an alert that is not queued; a re-read batch
queues nothing twice (the queue is unique, and what the ledger has is not queued again).
The flusher (`services.notify.flusher`) delivers from the queue.

Exactly what is delivered: every (alert transition, target) at least once, and a second
time only when the process dies between a send and the ledger write of that message.
"""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import ConsumerRecord
from faststream.exceptions import NackMessage
from faststream.kafka import KafkaBroker, KafkaMessage

from projections.fold import PoState
from projections.tables import notifications
from projections.tables.notifications import Queued
from schemas.topics import Topic
from schemas.views import Alert
from services import metrics
from services.heartbeat import work_level
from services.kafka import (
    INFRASTRUCTURE_ERRORS,
    broker_security,
    ensure_topics,
    faststream_logger,
    records_of,
    subscribe_batches,
    with_broker_retry,
)
from services.logging import get_logger
from services.notify.flusher import Flusher
from services.notify.notice import Notice, Unreadable, decode, notice_of
from services.notify.render import PortalLinks, Renderer
from services.notify.rules import Rules, TransitionName, quiet_apprise
from services.notify.targets import Destination, Targets
from services.retry import with_retry
from services.runtime import Stopped
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB

log = get_logger(__name__)
BATCH = 500


class Notifier:
    """The notifier process: the subscriber that queues, and the flusher that sends."""

    def __init__(
        self, settings: Settings, store: EventStore, db: ViewDB, rules: Rules | None
    ) -> None:
        self.settings = settings
        self.store = store
        self.db = db
        self.rules = rules
        self.targets = Targets(rules) if rules is not None else None
        self.source = settings.topic(Topic.ALERTS)
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            security=broker_security(settings),
            logger=faststream_logger("potrack.notify.faststream"),
        )
        subscribe_batches(
            self.broker, self.source, settings.notify_group, self._handle, max_records=BATCH
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Consume and deliver until `stop`; a batch and sends in hand are finished first.
        The flusher starts first: what is queued goes out while the broker is away."""
        quiet_apprise()
        await asyncio.to_thread(self.db.ensure_tables)
        halt = asyncio.Event()  # the flusher's stop: `stop`, or the consumer failing
        flushing = asyncio.create_task(self._flush(halt))
        try:
            await with_broker_retry("create topics", lambda: ensure_topics(self.settings))
            await with_broker_retry("start the notifier", self.broker.start)
            rules = len(self.rules.rule) if self.rules else 0
            log.info("notifier started", topic=self.source, rules=rules)
            if self.rules is not None and not rules:
                # Offsets move on: what is consumed now is never delivered later.
                log.warning("the rules file has no [[rule]]: alerts are consumed, none delivered")
            await stop.wait()
        finally:
            halt.set()
            await self.broker.stop()
            await flushing
            log.info("notifier stopped")

    async def _flush(self, stop: asyncio.Event) -> None:
        if self.targets is None:
            log.warning("no notification rules (POTRACK_NOTIFY_FILE): alerts are not routed")
            return
        flusher = Flusher(
            self.db,
            self.targets,
            Renderer(self.settings.public_base(), portal_links(self.settings)),
            owner=f"notify-{uuid.uuid4().hex[:12]}",
            lease_seconds=self.settings.notify_lease_seconds,
        )
        await flusher.run(stop)

    async def _handle(self, msg: KafkaMessage) -> None:
        records = records_of(msg)
        started = time.perf_counter()
        # The database away for a moment: the same batch again, with backoff (queueing is
        # idempotent); after that the error nacks the batch and nothing is committed past it.
        try:
            queued = await with_retry(
                "queue alert notifications",
                lambda: asyncio.to_thread(self.enqueue, records, datetime.now(UTC)),
                on=INFRASTRUCTURE_ERRORS,
                attempts=8,
            )
        except Stopped:  # the process is stopping: the batch is read again after a restart
            raise NackMessage() from None
        seconds = time.perf_counter() - started
        log.log(
            work_level(len(records), seconds),  # routine batches: DEBUG, see the summary
            "notify batch",
            alerts=len(records),
            queued=queued,
            ms=round(seconds * 1000, 1),
        )

    def enqueue(self, records: list[ConsumerRecord[Any, Any]], now: datetime) -> int:
        """Queue every routed (transition, target) of the records in one transaction;
        returns how many were new."""
        transitions: list[tuple[TransitionName, Alert]] = []
        for record in records:
            try:
                transitions.append(decode(record.value))
            except Unreadable as exc:
                metrics.NOTIFICATIONS.labels(outcome="unreadable").inc()
                log.warning(
                    "not an alert",
                    partition=record.partition,
                    offset=record.offset,
                    reason=str(exc),
                )
        if self.rules is None or self.targets is None:
            return 0
        states: dict[str, PoState | None] = {}
        rows: list[Queued] = []
        for transition, alert in transitions:
            routes = self.rules.route(alert, transition)
            if not routes:
                continue
            if alert.po_number not in states:  # its people, for the targets and the words
                aggregate = self.store.get(alert.po_number)
                states[alert.po_number] = aggregate.state if aggregate is not None else None
            notice = notice_of(transition, alert, states.get(alert.po_number))
            for target, minutes in routes.items():
                found = self.targets.resolve(target, notice)
                if isinstance(found, Destination):
                    rows.append(queued(notice, found, now, minutes))
                else:
                    metrics.NOTIFICATIONS.labels(outcome="skipped").inc()
                    log.debug(  # routine (no address): counted in the summary
                        "notification target skipped",
                        target=target,
                        po_number=alert.po_number,
                        alert_id=alert.alert_id,
                        reason=found,
                    )
        with self.db.transaction() as tx:
            return notifications.enqueue(tx, rows)


def portal_links(settings: Settings) -> PortalLinks | None:
    """What reminders need to carry portal links (issue 13 item 1): None when no portal
    secret is set (POTRACK_PORTAL_SECRET), and reminders are then as before."""
    secret = settings.portal_secret
    if secret is None or not secret.get_secret_value():
        return None
    return PortalLinks(secret.get_secret_value(), settings.portal_link_days)


def queued(notice: Notice, to: Destination, now: datetime, digest_minutes: float) -> Queued:
    """The queue row of one notice for one destination, due when its window closes."""
    alert = notice.alert
    return Queued(
        alert_id=alert.alert_id,
        transition=notice.transition,
        level=alert.escalation_level,
        raised_at=alert.raised_at,
        target=to.key,
        label=to.label,
        message=to.message,
        single=digest_minutes == 0,
        po_number=alert.po_number,
        queued_at=now,
        due_at=now + timedelta(minutes=digest_minutes),
        item=notice.item(),
    )
