"""Every table and index of the views database, in one place (created idempotently).

The event store's own tables belong to eventsourcing (`services.store.events`). A new
table or index goes here; a projection whose rows change meaning or shape raises its
`version`, and the runner rebuilds it from the first event (`projections.runner`).
"""

import re
from collections.abc import Sequence

from projections.tables import Tx
from projections.tables.notifications import DDL as NOTIFY

# The projections that keep a folded PoState per PO, each in its own `<name>_po_state`.
STATE_PROJECTIONS = ("status", "alerts", "performance", "commitments")

RUNNER = (
    "CREATE TABLE IF NOT EXISTS projection_positions ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at TEXT NOT NULL)",
    # The version of each projection's rules and rows that the stored rows were made by.
    "CREATE TABLE IF NOT EXISTS projection_versions"
    " (name TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox ("
    " id {serial}, topic TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL,"
    " payload TEXT NOT NULL, created_at TEXT NOT NULL)",
    # The outbox batch being published (`services.workers.outbox`): its claim number, the
    # same as the Kafka transaction's progress offset, and the outbox ids it holds.
    "CREATE TABLE IF NOT EXISTS outbox_claims (claim BIGINT PRIMARY KEY, ids TEXT NOT NULL)",
)
STATES = tuple(
    f"CREATE TABLE IF NOT EXISTS {name}_po_state (po_number TEXT PRIMARY KEY, state TEXT NOT NULL)"
    for name in STATE_PROJECTIONS
)
STATUS = (
    "CREATE TABLE IF NOT EXISTS po_status ("
    " po_number TEXT PRIMARY KEY, status TEXT NOT NULL, supplier_id TEXT,"
    " revision INTEGER, version INTEGER NOT NULL, updated_at TEXT, view TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS po_status_by_status ON po_status (status, po_number)",
    "CREATE INDEX IF NOT EXISTS po_status_by_supplier ON po_status (supplier_id, po_number)",
)
ALERTS = (
    "CREATE TABLE IF NOT EXISTS alerts (alert_id TEXT PRIMARY KEY, po_number TEXT NOT NULL,"
    " revision INTEGER NOT NULL, recipient TEXT, kind TEXT NOT NULL, severity TEXT NOT NULL,"
    " supplier_id TEXT, due_at TEXT, raised_at TEXT NOT NULL, resolved_at TEXT,"
    " escalation_level INTEGER NOT NULL, episode INTEGER NOT NULL, alert TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS alerts_by_po ON alerts (po_number, resolved_at)",
    "CREATE INDEX IF NOT EXISTS alerts_by_kind ON alerts (kind, resolved_at)",
    "CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (raised_at, alert_id)",
    "CREATE TABLE IF NOT EXISTS alerts_due (po_number TEXT PRIMARY KEY, next_check TEXT NOT NULL)",
    # Alerts open when the projection was last reset (new rules, a new SLA policy): each is
    # resolved as withdrawn if the rebuild, once back where the old run was, no longer has it.
    "CREATE TABLE IF NOT EXISTS alerts_superseded (alert_id TEXT PRIMARY KEY,"
    " episode INTEGER NOT NULL, until_seq BIGINT NOT NULL, alert TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS alerts_due_by_time ON alerts_due (next_check)",
    # The publication ledger: what was published once is never published again.
    "CREATE TABLE IF NOT EXISTS alert_published (alert_id TEXT NOT NULL, transition TEXT NOT NULL,"
    " severity TEXT NOT NULL, PRIMARY KEY (alert_id, transition, severity))",
    # One row: the last recorded tick applied, the clock, and the lock of batches and ticks.
    "CREATE TABLE IF NOT EXISTS alerts_cursor (id INTEGER PRIMARY KEY,"
    " applied_seq BIGINT NOT NULL, clock TEXT)",
    "INSERT INTO alerts_cursor (id, applied_seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
    # The alert-state checkpoint (`projections.tables.checkpoint`): the projection's rows as
    # they stood at (position, seq); the watermarks before `seq` are pruned behind it.
    "CREATE TABLE IF NOT EXISTS alerts_checkpoint (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL,"
    " position BIGINT NOT NULL, clock TEXT, version INTEGER NOT NULL, policy INTEGER,"
    " taken_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS alerts_checkpoint_states"
    " (po_number TEXT PRIMARY KEY, state TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS alerts_checkpoint_alerts (alert_id TEXT PRIMARY KEY,"
    " po_number TEXT NOT NULL, revision INTEGER NOT NULL, recipient TEXT, kind TEXT NOT NULL,"
    " severity TEXT NOT NULL, supplier_id TEXT, due_at TEXT, raised_at TEXT NOT NULL,"
    " resolved_at TEXT, escalation_level INTEGER NOT NULL, episode INTEGER NOT NULL,"
    " alert TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS alerts_checkpoint_due"
    " (po_number TEXT PRIMARY KEY, next_check TEXT NOT NULL)",
)
# The ingest watermark (docs/contract.md §5; `projections.tables.watermarks`).
WATERMARKS = (
    "CREATE TABLE IF NOT EXISTS ingest_caught_up (topic TEXT NOT NULL,"
    " kafka_partition INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (topic, kafka_partition))",
    "CREATE TABLE IF NOT EXISTS ingest_watermarks"
    " (seq BIGINT PRIMARY KEY, position BIGINT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ingest_watermarks_by_position ON ingest_watermarks (position)",
    "CREATE TABLE IF NOT EXISTS ingest_watermark_head (id INTEGER PRIMARY KEY)",
    "INSERT INTO ingest_watermark_head (id) VALUES (1) ON CONFLICT (id) DO NOTHING",
)
# Before the watermark, a clock in the alerts worker recorded its ticks in alert_clock
# (same shape). A store written then keeps them as its first watermarks, once, so that the
# rebuild of its alerts replays close to what that version published.
_FROM_ALERT_CLOCK = (
    "INSERT INTO ingest_watermarks (seq, position, at) SELECT seq, position, at FROM alert_clock"
    " WHERE NOT EXISTS (SELECT 1 FROM ingest_watermarks)",
    "DROP TABLE alert_clock",
)
AUDIT = (
    "CREATE TABLE IF NOT EXISTS audit ("
    " po_number TEXT NOT NULL, seq INTEGER NOT NULL, notification_id BIGINT NOT NULL,"
    " entry TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,"
    " PRIMARY KEY (po_number, seq))",
)
COMMITMENTS = (
    "CREATE TABLE IF NOT EXISTS commitments ("
    " po_number TEXT PRIMARY KEY, state TEXT NOT NULL, supplier_id TEXT NOT NULL,"
    " currency TEXT NOT NULL, amount TEXT NOT NULL, commitment TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS commitments_by_state ON commitments (state, po_number)",
    "CREATE INDEX IF NOT EXISTS commitments_by_supplier ON commitments (supplier_id, po_number)",
)
PERFORMANCE = (
    "CREATE TABLE IF NOT EXISTS performance_records ("
    " po_number TEXT NOT NULL, revision INTEGER NOT NULL, recipient TEXT NOT NULL,"
    " supplier_id TEXT NOT NULL, channel TEXT NOT NULL, due_at TEXT, start_at TEXT,"
    " acknowledged_at TEXT, announced_at TEXT NOT NULL, record TEXT NOT NULL,"
    " PRIMARY KEY (po_number, revision, recipient))",
    "CREATE INDEX IF NOT EXISTS performance_by_supplier"
    " ON performance_records (supplier_id, due_at)",
)
# What was sent, for the B2B gateway's correlation of replies (docs/contract.md §2b).
SENT = (
    # One email goes to several recipients under one Message-ID, and partners number
    # their control numbers independently: a message id is unique per recipient only.
    "CREATE TABLE IF NOT EXISTS sent_messages (message_key TEXT NOT NULL,"
    " message_id TEXT NOT NULL, po_number TEXT NOT NULL, revision INTEGER NOT NULL,"
    " recipient TEXT NOT NULL, channel TEXT NOT NULL, sent_at TEXT NOT NULL,"
    " PRIMARY KEY (message_key, recipient))",
    "CREATE TABLE IF NOT EXISTS plan_addresses (po_number TEXT NOT NULL,"
    " revision INTEGER NOT NULL, recipient TEXT NOT NULL, address TEXT NOT NULL,"
    " PRIMARY KEY (po_number, revision, recipient))",
    "CREATE TABLE IF NOT EXISTS sent_revisions (po_number TEXT NOT NULL,"
    " recipient TEXT NOT NULL, revision INTEGER NOT NULL, sent_at TEXT NOT NULL,"
    " PRIMARY KEY (po_number, recipient, revision))",
)
# Documents the gateway could not correlate yet, retried until the correlation window ends.
GATEWAY = (
    "CREATE TABLE IF NOT EXISTS gateway_pending (doc_key TEXT PRIMARY KEY, body TEXT NOT NULL,"
    " content_type TEXT, partner TEXT, topic TEXT, kafka_partition INTEGER, kafka_offset BIGINT,"
    " kafka_key TEXT, arrived_at TEXT NOT NULL, next_at TEXT NOT NULL,"
    " attempts INTEGER NOT NULL, reason TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gateway_pending_by_time ON gateway_pending (next_at)",
)
ALL = (
    *RUNNER,
    *STATES,
    *STATUS,
    *ALERTS,
    *WATERMARKS,
    *AUDIT,
    *COMMITMENTS,
    *PERFORMANCE,
    *SENT,
    *GATEWAY,
    *NOTIFY,  # potrack notify: queue, ledger, targets
)
# Any constant: serializes concurrent set-ups (PostgreSQL's CREATE ... IF NOT EXISTS can
# still collide on its catalog when two processes run it at the same moment).
_SETUP_LOCK = 0x706F74726B


_NAMED = re.compile(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)")
OBJECTS = tuple(m.group(1) for statement in ALL if (m := _NAMED.match(statement)))


def create_all(tx: Tx, postgres: bool) -> None:
    """Create every view table and index that is missing (idempotent, safe to race).

    On PostgreSQL nothing is run when every table and index exists: `CREATE INDEX IF NOT
    EXISTS` locks its table (SHARE) even when the index is there, and a process starting
    next to running workers would then deadlock with them (it waits for a row a worker
    holds, the worker for the table it locked)."""
    if postgres:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (_SETUP_LOCK,))
        if _exist(tx, OBJECTS) and not _exist(tx, ("alert_clock",)):
            return
    serial = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    for statement in ALL:
        tx.execute(statement.format(serial=serial))
    if _has_table(tx, "alert_clock", postgres):
        for statement in _FROM_ALERT_CLOCK:
            tx.execute(statement)


def _exist(tx: Tx, names: Sequence[str]) -> bool:
    """PostgreSQL: whether every named table or index exists (in the search path)."""
    row = tx.one(
        f"SELECT COUNT(*) AS n FROM (VALUES {', '.join('(?)' for _ in names)}) AS v(name)"
        " WHERE to_regclass(v.name) IS NOT NULL",
        names,
    )
    return row is not None and int(row["n"]) == len(names)


def _has_table(tx: Tx, name: str, postgres: bool) -> bool:
    if postgres:
        return _exist(tx, (name,))
    return (
        tx.one("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        is not None
    )
