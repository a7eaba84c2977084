"""All runtime settings: one pydantic-settings class, `POTRACK_` environment variables.

A bad value is reported by `problems` as one line per variable, naming it, the value
given (a password or token never shown) and what it takes.
"""

import os
import re
import ssl
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.sla import SlaPolicy, parse_sla
from services.gateway.partners import Partners, load_partners
from services.logging import LogFormat, LogLevel
from services.store.urls import normalize_store_url, redact

DEFAULT_STORE_URL = "sqlite:///.potrack/potrack.sqlite"
ENV_PREFIX = "POTRACK_"
NAME_PATTERN = r"^[A-Za-z0-9._-]+$"  # Kafka ids potrack names (a transactional id)
TOPIC_PREFIX = re.compile(r"^[A-Za-z0-9._-]*$")  # Kafka's legal topic name characters
# host[:port]: a name or IPv4 address, or an IPv6 address in brackets.
SERVER = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[^\s:,\[\]]+)(?::(\d{1,5}))?$")
KafkaProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]  # Kafka's names
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
HIDDEN = ("api_token", "portal_secret", "kafka_sasl_password", "kafka_ssl_key_password")


class Settings(BaseSettings):
    """Built once in the entry point and passed down; nothing reads the environment elsewhere."""

    # No `inf` or `nan` for a period or a window: a timer of infinity never fires.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", allow_inf_nan=False)

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated host:port."
    )
    # Secured Kafka (issue 12): TLS and SASL for every client (services.kafka.client_options).
    kafka_security_protocol: KafkaProtocol = Field(
        "PLAINTEXT",
        description="How every Kafka client connects: with TLS, SASL, both or neither; "
        "SSL is TLS, SASL_SSL is SASL over TLS, SASL_PLAINTEXT is SASL without TLS.",
    )
    kafka_sasl_mechanism: SaslMechanism | None = Field(
        None,
        description="SASL mechanism of the SASL_* protocols: PLAIN, SCRAM-SHA-256 or "
        "SCRAM-SHA-512.",
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user name (SASL_*).")
    kafka_sasl_password: SecretStr | None = Field(
        None, description="SASL password (SASL_*); never shown in logs or messages."
    )
    kafka_ssl_cafile: Path | None = Field(
        None,
        description="PEM file of the CA certificates that sign the brokers' certificates "
        "(SSL, SASL_SSL); the system's CAs if unset.",
    )
    kafka_ssl_certfile: Path | None = Field(
        None,
        description="PEM file of the client certificate (SSL, SASL_SSL), for brokers that "
        "authenticate clients by certificate; it may hold the key too.",
    )
    kafka_ssl_keyfile: Path | None = Field(
        None, description="PEM file of the client certificate's private key."
    )
    kafka_ssl_key_password: SecretStr | None = Field(
        None, description="Password of an encrypted client key; never shown."
    )

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: object, info: Any) -> object:
        """Protocols and mechanisms in any case (sasl_ssl, scram-sha-256); empty is unset
        (the protocol's default, PLAINTEXT)."""
        if not isinstance(value, str):
            return value
        unset = "PLAINTEXT" if info.field_name == "kafka_security_protocol" else None
        return value.strip().upper() or unset

    @field_validator(
        "kafka_sasl_username",
        "kafka_sasl_password",
        "kafka_ssl_cafile",
        "kafka_ssl_certfile",
        "kafka_ssl_keyfile",
        "kafka_ssl_key_password",
        mode="before",
    )
    @classmethod
    def _kafka_empty_is_none(cls, value: object) -> object:
        """An empty (or blank) Kafka credential or file means unset."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        """The file must exist and be readable now: a TLS file that cannot be read would
        otherwise fail each client as it connects, long after start."""
        if value is not None:
            try:
                with value.open("rb") as file:
                    file.read(1)
            except OSError as exc:
                raise ValueError(f"cannot read it: {exc.strerror or exc}") from None
        return value

    @model_validator(mode="after")
    def _kafka_security(self) -> "Settings":
        """Settings that only make sense together (one line naming the variables): SASL_*
        needs a mechanism, a user name and a password; SASL settings need a SASL_*
        protocol and TLS files a TLS one (SSL, SASL_SSL) rather than being ignored; a key
        needs its certificate; and the TLS files must load (`kafka_tls_problem`)."""
        protocol = self.kafka_security_protocol
        sasl = {
            "KAFKA_SASL_MECHANISM": self.kafka_sasl_mechanism,
            "KAFKA_SASL_USERNAME": self.kafka_sasl_username,
            "KAFKA_SASL_PASSWORD": self.kafka_sasl_password,
        }
        tls = {
            "KAFKA_SSL_CAFILE": self.kafka_ssl_cafile,
            "KAFKA_SSL_CERTFILE": self.kafka_ssl_certfile,
            "KAFKA_SSL_KEYFILE": self.kafka_ssl_keyfile,
            "KAFKA_SSL_KEY_PASSWORD": self.kafka_ssl_key_password,
        }
        said = f"{ENV_PREFIX}KAFKA_SECURITY_PROTOCOL={protocol}"
        if protocol.startswith("SASL_"):
            missing = [f"{ENV_PREFIX}{k}" for k, v in sasl.items() if v is None]
            if missing:
                raise ValueError(f"{said} needs {', '.join(missing)}")
        elif given := [f"{ENV_PREFIX}{k}" for k, v in sasl.items() if v is not None]:
            raise ValueError(
                f"{', '.join(given)} set but {said} uses no SASL (SASL_SSL or SASL_PLAINTEXT)"
            )
        if protocol not in ("SSL", "SASL_SSL"):
            if given := [f"{ENV_PREFIX}{k}" for k, v in tls.items() if v is not None]:
                raise ValueError(f"{', '.join(given)} set but {said} uses no TLS (SSL or SASL_SSL)")
            return self
        if self.kafka_ssl_certfile is None and (
            self.kafka_ssl_keyfile is not None or self.kafka_ssl_key_password is not None
        ):
            raise ValueError(
                f"{ENV_PREFIX}KAFKA_SSL_KEYFILE or {ENV_PREFIX}KAFKA_SSL_KEY_PASSWORD set "
                f"without {ENV_PREFIX}KAFKA_SSL_CERTFILE"
            )
        problem = kafka_tls_problem(
            self.kafka_ssl_cafile,
            self.kafka_ssl_certfile,
            self.kafka_ssl_keyfile,
            self.kafka_ssl_key_password,
        )
        if problem:
            raise ValueError(problem)
        return self

    store_url: str = Field(
        DEFAULT_STORE_URL,
        description="Event store: sqlite:///relative/path, sqlite:////absolute/path, a file "
        "path (./x.sqlite, /abs/x.sqlite) or postgresql://user:password@host:port/dbname.",
    )
    api_host: str = Field("127.0.0.1", description="Address the read API binds to.")
    api_port: int = Field(8080, ge=0, le=65535, description="Port the read API listens on.")
    sla_file: Path | None = Field(
        None, description="SLA policy (TOML); built-in defaults if unset."
    )
    api_token: SecretStr | None = Field(
        None, description="When set, every endpoint but /health and /ready needs this bearer token."
    )

    @field_validator(
        "api_token", "portal_secret", "sla_file", "partners_file", "notify_file", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """`POTRACK_API_TOKEN=` (empty or blank) means no token: a blank one could never be
        sent, so it would only lock every endpoint; a blank portal secret means no portal.
        An empty file setting means unset."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("store_url", mode="before")
    @classmethod
    def _store_url(cls, value: object) -> object:
        """A plain file path becomes a `sqlite:///` URL; another scheme is refused."""
        return normalize_store_url(value) if isinstance(value, str) else value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap(cls, value: str) -> str:
        """Comma-separated host[:port], each port a number 1-65535."""
        for server in value.split(","):
            found = SERVER.match(server.strip())
            if found is None or not 1 <= int(found.group(2) or 9092) <= 65535:
                raise ValueError("expected host:port, comma-separated (e.g. 127.0.0.1:9092)")
        return value

    @field_validator("topic_prefix")
    @classmethod
    def _topic_prefix(cls, value: str) -> str:
        """Kafka topic names take letters, digits, '.', '_' and '-' only."""
        if not TOPIC_PREFIX.match(value):
            raise ValueError("expected letters, digits, '.', '_' or '-' (a Kafka topic name)")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        """An absolute http(s) URL (links in messages must open from a mail client)."""
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(
                "expected an http:// or https:// URL (e.g. https://potrack.example.com)"
            )
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: Any) -> object:
        """Levels are upper case (INFO), formats lower case (json), whichever was typed."""
        if not isinstance(value, str):
            return value
        return value.strip().upper() if info.field_name == "log_level" else value.strip().lower()

    topic_prefix: str = Field(
        "", description="Prefix for every topic name (isolates tenants or test runs)."
    )
    consumer_group: str = Field("potrack-ingest", description="Kafka consumer group of ingest.")
    outbox_transactional_id: str = Field(
        "potrack-outbox",
        min_length=1,
        max_length=200,
        pattern=NAME_PATTERN,
        description="Kafka transactional id of the outbox publisher (after "
        "POTRACK_TOPIC_PREFIX), also the consumer group that holds how far it published: one "
        "publisher at a time per id (a new one fences the last); each potrack deployment "
        "sharing a broker needs its own (a topic prefix of its own is enough).",
    )
    batch_max_records: int = Field(
        2000, ge=1, description="Most records ingest takes in one poll (one store transaction)."
    )
    poll_timeout_ms: int = Field(500, ge=1, description="How long one poll waits for records.")
    projection_batch_size: int = Field(
        2000, ge=1, description="Most notifications a projection applies in one transaction."
    )
    projection_poll_seconds: float = Field(
        0.2, gt=0, le=3600, description="How often an idle projection looks for new notifications."
    )
    alert_clock_seconds: float = Field(
        2.0,
        gt=0,
        le=3600,
        description="The clock period: how often ingest records the ingest watermark "
        "(docs/contract.md §5), at which alerts are raised and resolved; a live deadline is "
        "judged within about one period of passing.",
    )
    alert_checkpoint_watermarks: int = Field(
        1800,
        ge=0,
        le=10_000_000,
        description="How many watermarks the alerts projection judges between two "
        "checkpoints of its state (1800: an hour at the 2 s clock). The watermarks before "
        "the last checkpoint are deleted, and a rebuild under the same rules and SLA policy "
        "starts from it. 0: no checkpoints; the watermark log then grows by one row per "
        "clock period (about 43k a day at 2 s).",
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
        le=366 * 86400,
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
        le=86400,
        description="How long a notifier process holds a target while it sends to it (one "
        "send times out after half of it, at most 30 s); after a crash, another process (or "
        "the restarted one) sends that target's queue once the lease has run out.",
    )
    public_url: str | None = Field(
        None,
        description="Base URL of the dashboard in links sent to people (the PO page is "
        "{public_url}/ui/po/{po}, a supplier portal link {public_url}/portal/{token}); "
        "default http://{api_host}:{api_port}.",
    )
    portal_secret: SecretStr | None = Field(
        None,
        description="Signs the supplier portal's links (/portal/{token}, a long random text); "
        "unset: no portal (its pages answer 404, potrack portal-link exits 2).",
    )
    portal_link_days: int = Field(
        30, ge=1, le=3650, description="How many days a portal link is good for once issued."
    )
    portal_rate_limit: str = Field(
        "30/minute;300/day",
        description="Requests each portal link may make (and each client address with a bad "
        "link), in the `limits` notation: 30/minute;300/day.",
    )

    @field_validator("portal_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        """One or more `N/period` (second, minute, hour, day), `;`-separated."""
        try:
            limits = parse_many(value)
        except ValueError:
            limits = []
        if not limits or any(limit.amount < 1 for limit in limits):
            raise ValueError("expected N/period, N at least 1, ';'-separated (e.g. 30/minute)")
        return value

    log_format: LogFormat = Field(
        "auto", description="Log rendering; auto means JSON unless stderr is a terminal."
    )
    log_level: LogLevel = Field("INFO", description="Minimum log level.")
    log_summary_seconds: float = Field(
        60,
        ge=0,
        le=86400,
        description="How often a long-running command logs its summary line at INFO (events/s,"
        " lag, open alerts, documents, notifications; routine batches log at DEBUG); 0: never.",
    )

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


def kafka_tls_problem(
    cafile: Path | None,
    certfile: Path | None,
    keyfile: Path | None,
    key_password: SecretStr | None,
) -> str:
    """ "" when the TLS files load as aiokafka loads them (`aiokafka.helpers.
    create_ssl_context`: `load_verify_locations`, `load_cert_chain`), else one line
    naming the variable at fault (never the key password). A key password is always
    passed (empty when unset), so OpenSSL never prompts for one on the terminal."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if cafile is not None:
        try:
            context.load_verify_locations(cafile=cafile)
        except (ssl.SSLError, ValueError):
            return f"{ENV_PREFIX}KAFKA_SSL_CAFILE={str(cafile)!r}: no PEM certificate in it"
    if certfile is None:
        return ""
    secret = key_password.get_secret_value() if key_password else ""
    try:
        context.load_cert_chain(certfile, keyfile, password=secret)
        return ""
    except (ssl.SSLError, ValueError) as exc:
        failure = exc
    cert_text = certfile.read_text(encoding="ascii", errors="replace")
    key_name, key_path = ("KEYFILE", keyfile) if keyfile else ("CERTFILE", certfile)
    key_text = key_path.read_text(encoding="ascii", errors="replace")
    if "-----BEGIN CERTIFICATE-----" not in cert_text:
        return f"{ENV_PREFIX}KAFKA_SSL_CERTFILE={str(certfile)!r}: no PEM certificate in it"
    if "PRIVATE KEY-----" not in key_text:
        return f"{ENV_PREFIX}KAFKA_SSL_{key_name}={str(key_path)!r}: no PEM private key in it"
    if getattr(failure, "reason", None) == "KEY_VALUES_MISMATCH":
        return (
            f"{ENV_PREFIX}KAFKA_SSL_{key_name}={str(key_path)!r}: the key is not the one of "
            f"the certificate in {ENV_PREFIX}KAFKA_SSL_CERTFILE"
        )
    if "ENCRYPTED" in key_text:
        return (
            f"{ENV_PREFIX}KAFKA_SSL_KEY_PASSWORD: "
            + ("wrong" if key_password else "not set")
            + f" for the encrypted key in {str(key_path)!r}"
        )
    return (
        f"{ENV_PREFIX}KAFKA_SSL_CERTFILE={str(certfile)!r}: cannot load the certificate and "
        f"key: {getattr(failure, 'reason', None) or failure}"
    )


def problems(error: ValidationError) -> list[str]:
    """One line per bad setting: `POTRACK_API_PORT='abc': expected an integer from 0 to
    65535 (Port the read API listens on)`. The value of a password or token is never
    shown (a store URL without its password, a token as <hidden>)."""
    lines = []
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else ""
        variable = f"{ENV_PREFIX}{name.upper()}"
        # As typed (the validators may have changed its case or form), else as passed.
        typed = [v for k, v in os.environ.items() if k.upper() == variable]
        given = typed[0] if typed else item.get("input")
        if not name:  # a check of settings together: its message names them
            lines.append(str(item["msg"]).removeprefix("Value error, "))
            continue
        if name in HIDDEN:
            shown = "<hidden>"
        elif isinstance(given, str):
            shown = repr(redact(given) if name == "store_url" else given)
        else:
            shown = repr(given)
        if item["type"] == "value_error":  # our validators say what they take
            what = str(item["msg"]).removeprefix("Value error, ")
        else:
            what = f"expected {allowed(name)}"
        lines.append(f"{variable}={shown}: {what}")
    return lines


def allowed(name: str) -> str:
    """What the setting `name` takes, from its type and bounds, with the first words of
    its description: `an integer from 0 to 65535 (Port the read API listens on)`."""
    field = Settings.model_fields.get(name)
    if field is None:
        return "a valid value"
    kind = field.annotation
    if type(None) in get_args(kind) and len(get_args(kind)) == 2:  # X | None: what X takes
        kind = next(a for a in get_args(kind) if a is not type(None))
    if get_origin(kind) is Literal:
        what = "one of " + ", ".join(str(v) for v in get_args(kind))
    else:
        args = [a for a in get_args(kind) if a is not type(None)] or [kind]
        base = args[0]
        what = {int: "an integer", float: "a number"}.get(base, "a text")
        pattern = next((r.pattern for r in field.metadata if hasattr(r, "pattern")), None)
        if pattern == NAME_PATTERN:
            what = "a name of letters, digits, '.', '_' and '-'"
        low: object = None
        high: object = None
        above = False
        for rule in field.metadata:
            if isinstance(rule, annotated_types.Ge):
                low = rule.ge
            elif isinstance(rule, annotated_types.Gt):
                low, above = rule.gt, True
            elif isinstance(rule, annotated_types.Le):
                high = rule.le
        if low is not None and high is not None:
            what += f" above {low}, at most {high}" if above else f" from {low} to {high}"
        elif low is not None:
            what += f" above {low}" if above else f" of at least {low}"
    # The description's first clause (a '.' inside a name such as po.sent does not end it).
    about = re.split(r"\.(?:\s|$)|[;(]", field.description or "", maxsplit=1)[0].strip()
    return f"{what} ({about})" if about else what
