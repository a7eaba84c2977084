"""All runtime settings: one pydantic-settings class, `POTRACK_` environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.sla import SlaPolicy, parse_sla
from services.gateway.partners import Partners, load_partners

DEFAULT_STORE_URL = "sqlite:///.potrack/potrack.sqlite"


class Settings(BaseSettings):
    """Built once in the entry point and passed down; nothing reads the environment elsewhere."""

    model_config = SettingsConfigDict(env_prefix="POTRACK_", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated host:port."
    )
    store_url: str = Field(
        DEFAULT_STORE_URL,
        description="Event store: sqlite:///relative/path, sqlite:////absolute/path "
        "or postgresql://user:password@host:port/dbname.",
    )
    api_host: str = Field("127.0.0.1", description="Address the read API binds to.")
    api_port: int = Field(8080, ge=0, le=65535, description="Port the read API listens on.")
    sla_file: Path | None = Field(
        None, description="SLA policy (TOML); built-in defaults if unset."
    )
    api_token: SecretStr | None = Field(
        None, description="When set, every endpoint but /health and /ready needs this bearer token."
    )

    @field_validator("api_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        """`POTRACK_API_TOKEN=` (empty or blank) means no token: a blank one could never be
        sent, so it would only lock every endpoint."""
        return None if isinstance(value, str) and not value.strip() else value

    topic_prefix: str = Field(
        "", description="Prefix for every topic name (isolates tenants or test runs)."
    )
    consumer_group: str = Field("potrack-ingest", description="Kafka consumer group of ingest.")
    batch_max_records: int = Field(
        2000, ge=1, description="Most records ingest takes in one poll (one store transaction)."
    )
    poll_timeout_ms: int = Field(500, ge=1, description="How long one poll waits for records.")
    projection_batch_size: int = Field(
        2000, ge=1, description="Most notifications a projection applies in one transaction."
    )
    projection_poll_seconds: float = Field(
        0.2, gt=0, description="How often an idle projection looks for new notifications."
    )
    alert_clock_seconds: float = Field(
        2.0,
        gt=0,
        description="The clock period: how often ingest records the ingest watermark "
        "(docs/contract.md §5), at which alerts are raised and resolved; a live deadline is "
        "judged within about one period of passing.",
    )
    partners_file: Path | None = Field(
        None,
        description="Trading partners (TOML): who may send B2B documents, as which "
        "supplier and recipient, and what they are expected to send by when.",
    )
    gateway_group: str = Field(
        "potrack-gateway", description="Kafka consumer group of the B2B gateway."
    )
    correlation_window_seconds: float = Field(
        86400,
        gt=0,
        description="How long a document that answers no recorded po.sent is retried, "
        "counted from its arrival, before it is dead-lettered.",
    )
    max_document_bytes: int = Field(
        4 * 1024 * 1024 - 64 * 1024,
        ge=1024,
        # po.documents.v1 takes records of at most 4 MiB (services.kafka), headers included.
        le=4 * 1024 * 1024 - 64 * 1024,
        description="Largest B2B document accepted (bytes); larger ones are dead-lettered "
        "(POST /b2b/cxml answers 413).",
    )
    notify_file: Path | None = Field(
        None,
        description="Notification rules (TOML): which alert transitions go to whom (Apprise "
        "URLs, the PO's buyer, reminders to the supplier), and the [mail] server; without it "
        "the notifier routes nothing (and still consumes the alerts).",
    )
    notify_group: str = Field("potrack-notify", description="Kafka consumer group of the notifier.")
    notify_lease_seconds: float = Field(
        120,
        gt=0,
        description="How long a notifier process holds a target while it sends to it (one "
        "send times out after half of it, at most 30 s); after a crash, another process (or "
        "the restarted one) sends that target's queue once the lease has run out.",
    )
    public_url: str | None = Field(
        None,
        description="Base URL of the dashboard in links sent to people (the PO page is "
        "{public_url}/ui/po/{po}); default http://{api_host}:{api_port}.",
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="Log rendering; auto means JSON unless stderr is a terminal."
    )
    log_level: str = Field("INFO", description="Minimum log level.")

    def sla_policy(self) -> SlaPolicy:
        """The SLA policy of `sla_file` (or the defaults) with the trading partners'
        expectations merged in (`partners_file`: functional acknowledgment minutes and
        acknowledgment hours per recipient); ValueError with one line when a file cannot
        be read or is not valid."""
        policy = SlaPolicy()
        if self.sla_file is not None:
            try:
                text = self.sla_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"SLA policy {self.sla_file}: cannot read it: {exc}") from exc
            policy = parse_sla(text, str(self.sla_file))
        expectations = self.partners().expectations()
        return policy.with_recipients(expectations) if expectations else policy

    def partners(self) -> Partners:
        """The trading partners of `partners_file` (none when unset); ValueError with one
        line when the file cannot be read or is not valid."""
        return load_partners(self.partners_file)

    def public_base(self) -> str:
        """The base of links to the dashboard (`public_url`, else the API's address)."""
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    def topic(self, name: str) -> str:
        """The real Kafka topic name of a contract topic."""
        return f"{self.topic_prefix}{name}"
