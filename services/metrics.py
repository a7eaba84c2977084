"""Prometheus metrics shared by every part of the process."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_INGESTED = Counter("potrack_events_ingested_total", "Accepted events recorded", ["type"])
DUPLICATES = Counter("potrack_duplicate_events_total", "Events dropped as duplicates")
DEAD_LETTERS = Counter("potrack_dead_letters_total", "Messages sent to the dead-letter topic")
INGEST_BATCHES = Counter("potrack_ingest_batches_total", "Ingest store transactions")
WATERMARK = Gauge(
    "potrack_ingest_watermark_seconds",
    "The last ingest watermark this process recorded (Unix time): every inbound record"
    " published before it is in the store",
)
INGEST_LAG = Gauge(
    "potrack_ingest_lag_records",
    "Records on the inbound partitions this process consumes that it has not recorded yet,"
    " at its last clock period",
)
PROJECTION_LAG = Gauge(
    "potrack_projection_lag_events", "Notifications not yet applied", ["projection"]
)
PROJECTION_POSITION = Gauge(
    "potrack_projection_position", "Last applied notification id", ["projection"]
)
OPEN_ALERTS = Gauge("potrack_open_alerts", "Open alerts", ["kind"])
REQUEST_LATENCY = Histogram(
    "potrack_http_request_seconds", "Read API latency", ["method", "route", "status"]
)
DOCUMENTS = Counter(
    "potrack_documents_total",
    "B2B documents handled by the gateway, by format and outcome",
    ["format", "outcome"],
)
DOCUMENTS_PENDING = Gauge(
    "potrack_documents_pending", "Documents waiting for the po.sent they answer"
)
NOTIFICATIONS = Counter(
    "potrack_notifications_total",
    "Alert transitions handled by the notifier, per target: sent, failed (a send that failed),"
    " skipped (a named target without an email address), dropped (its target left the rules),"
    " and records that are no alert (unreadable)",
    ["outcome"],
)
NOTIFY_FAILING = Gauge(
    "potrack_notify_target_failures",
    "Consecutive failed sends of each notification target now failing (its URL, secrets masked)",
    ["target"],
)
NOTIFY_QUEUED = Gauge(
    "potrack_notify_queued", "Alert transitions (per target) waiting in the notification queue"
)
