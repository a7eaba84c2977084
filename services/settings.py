"""All runtime settings: one pydantic-settings class, `POTRACK_` environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.sla import SlaPolicy, parse_sla

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
        5.0, gt=0, description="How often the live alert clock checks deadlines."
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="Log rendering; auto means JSON unless stderr is a terminal."
    )
    log_level: str = Field("INFO", description="Minimum log level.")

    def sla_policy(self) -> SlaPolicy:
        """The SLA policy of `sla_file`, or the defaults; ValueError with one line when the
        file cannot be read or is not a valid policy."""
        if self.sla_file is None:
            return SlaPolicy()
        try:
            text = self.sla_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"SLA policy {self.sla_file}: cannot read it: {exc}") from exc
        return parse_sla(text, str(self.sla_file))

    def topic(self, name: str) -> str:
        """The real Kafka topic name of a contract topic."""
        return f"{self.topic_prefix}{name}"
