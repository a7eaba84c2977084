"""Kafka adapter helpers: client construction with the TLS and SASL settings, topic
creation and readiness, producers, retries on an unreachable broker."""

import asyncio
import contextlib
import dataclasses
import logging
import sqlite3
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.conn import collect_hosts, create_conn
from aiokafka.errors import (
    IllegalSaslStateError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    TopicAlreadyExistsError,
    UnsupportedSaslMechanismError,
)
from aiokafka.helpers import create_ssl_context
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from schemas.topics import COMPACTED_TOPICS, Topic
from services.retry import with_retry
from services.runtime import ServiceFailed, pause
from services.settings import ENV_PREFIX, Settings

T = TypeVar("T")
PARTITIONS = 3
MAX_TOPIC_MESSAGE_BYTES = 4 * 1024 * 1024
READY_TIMEOUT = 30.0  # seconds a created topic may take to have a leader on every partition
READY_POLL = 0.1  # seconds between two looks at the metadata


class ClientOptions(dict[str, Any]):
    """aiokafka's keyword arguments; its repr hides the SASL password (a dict logged or in
    a traceback's locals would show it)."""

    def __repr__(self) -> str:
        shown = {k: "<hidden>" if k == "sasl_plain_password" else v for k, v in self.items()}
        return f"ClientOptions({shown!r})"


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context of the SSL and SASL_SSL protocols (None for the others), built by
    aiokafka's `create_ssl_context`: the CA file (else the system's CAs), the client
    certificate and key if set; the broker's host name is checked against its certificate.
    The key password is passed even when unset (empty), so OpenSSL never prompts for one.
    ssl.SSLError when a file does not load (`Settings` checked them at start)."""
    if settings.kafka_security_protocol not in ("SSL", "SASL_SSL"):
        return None
    password = settings.kafka_ssl_key_password
    return create_ssl_context(
        cafile=settings.kafka_ssl_cafile,
        certfile=settings.kafka_ssl_certfile,
        keyfile=settings.kafka_ssl_keyfile,
        password=password.get_secret_value() if password else "",
    )


def client_options(settings: Settings) -> ClientOptions:
    """The keyword arguments every aiokafka client (AIOKafkaProducer, AIOKafkaConsumer,
    AIOKafkaAdminClient) takes from the settings: bootstrap_servers, security_protocol,
    and by protocol ssl_context (`ssl_context`) and sasl_mechanism, sasl_plain_username,
    sasl_plain_password (aiokafka uses the latter two for SCRAM too). Never log the
    password: the result's repr hides it."""
    options = ClientOptions(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        security_protocol=settings.kafka_security_protocol,
    )
    context = ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if settings.kafka_security_protocol.startswith("SASL_"):
        password = settings.kafka_sasl_password
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    return options


def broker_security(settings: Settings) -> BaseSecurity | None:
    """The same settings for FastStream's KafkaBroker (`security=`), which turns them
    back into aiokafka's arguments (`faststream.kafka.security.parse_security`): None for
    PLAINTEXT, BaseSecurity with the TLS context for SSL, SASLPlaintext (PLAIN),
    SASLScram256 or SASLScram512 for the SASL_* protocols, with the TLS context for
    SASL_SSL."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl_context(settings)
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context)
    kinds: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
        "PLAIN": SASLPlaintext,
        "SCRAM-SHA-256": SASLScram256,
        "SCRAM-SHA-512": SASLScram512,
    }
    kind = kinds[settings.kafka_sasl_mechanism or "PLAIN"]
    password = settings.kafka_sasl_password
    return kind(
        username=settings.kafka_sasl_username or "",
        password=password.get_secret_value() if password else "",
        ssl_context=context,
        use_ssl=protocol == "SASL_SSL",
    )


def consumer(settings: Settings, *topics: str, **options: Any) -> AIOKafkaConsumer:
    """An AIOKafkaConsumer of `topics` with the connection settings (`client_options`);
    `options` are passed on and win (group_id, enable_auto_commit, ...)."""
    return AIOKafkaConsumer(*topics, **{**client_options(settings), **options})


def admin(settings: Settings, **options: Any) -> AIOKafkaAdminClient:
    """An AIOKafkaAdminClient with the connection settings (`client_options`); `options`
    are passed on and win (request_timeout_ms, ...)."""
    return AIOKafkaAdminClient(**{**client_options(settings), **options})


class KafkaAccessDenied(ServiceFailed, KafkaError):  # type: ignore[misc,unused-ignore]
    """The broker answers but refuses potrack: wrong SASL credentials or mechanism, or a
    TLS certificate that does not verify. Not retried (it will not mend by itself): a
    service stops with its one-line message, a command exits with it."""

    retriable = False

    def __str__(self) -> str:  # the message alone (KafkaError's would prefix the class)
        return str(self.args[0]) if self.args else "Kafka refused the connection"


async def access_problem(settings: Settings, timeout: float = 5.0) -> str:
    """Why the brokers refuse potrack's connection, in one line naming the settings to
    look at, or "" when none refuses (each accepts, or cannot be reached: that is a
    retry's business). aiokafka's clients only say "Unable to bootstrap" whatever the
    cause, so this opens one connection per bootstrap server (aiokafka's `create_conn`,
    with the same options) to see it. The password is never in the line. PLAINTEXT
    asks nothing (no broker refuses it), so an unreachable broker costs no second try."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return ""
    options = client_options(settings)
    for host, port, _ in collect_hosts(settings.kafka_bootstrap_servers, randomize=False):
        where = f"Kafka at {host}:{port}"
        try:
            conn = await create_conn(
                host,
                port,
                request_timeout_ms=int(timeout * 1000),
                ssl_context=options.get("ssl_context"),
                security_protocol=options["security_protocol"],
                sasl_mechanism=options.get("sasl_mechanism"),
                sasl_plain_username=options.get("sasl_plain_username"),
                sasl_plain_password=options.get("sasl_plain_password"),
            )
        except IllegalSaslStateError:
            return (
                f"{where} does not take SASL on this listener: check "
                f"{ENV_PREFIX}KAFKA_SECURITY_PROTOCOL and the port in "
                f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS"
            )
        except SaslAuthenticationFailed:
            return (
                f"{where} refused the SASL credentials of user "
                f"{settings.kafka_sasl_username!r} ({settings.kafka_sasl_mechanism}): check "
                f"{ENV_PREFIX}KAFKA_SASL_USERNAME and {ENV_PREFIX}KAFKA_SASL_PASSWORD"
            )
        except UnsupportedSaslMechanismError as exc:
            return f"{where}: {exc} ({ENV_PREFIX}KAFKA_SASL_MECHANISM)"
        except ssl.SSLCertVerificationError as exc:
            return (
                f"{where}: its TLS certificate does not verify ({exc.verify_message}): "
                f"check {ENV_PREFIX}KAFKA_SSL_CAFILE and the host name in "
                f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS"
            )
        except ssl.SSLError as exc:
            if "ALERT" in (exc.reason or ""):
                return (  # the broker ended the handshake: most often, no client certificate
                    f"{where} refused the TLS handshake ({exc.reason}): check "
                    f"{ENV_PREFIX}KAFKA_SSL_CERTFILE and {ENV_PREFIX}KAFKA_SSL_KEYFILE"
                )
            if await _answers_plaintext(host, port, timeout):
                return _no_tls(where)
            continue
        except (OSError, KafkaError, TimeoutError):
            if "SSL" in settings.kafka_security_protocol and await _answers_plaintext(
                host, port, timeout
            ):
                return _no_tls(where)
            continue
        conn.close()
    return ""


async def _answers_plaintext(host: str, port: int, timeout: float) -> bool:
    """Whether a Kafka listener without TLS or SASL answers at host:port (what a TLS
    handshake that broke off meets most often: the wrong protocol for the port)."""
    try:
        conn = await create_conn(host, port, request_timeout_ms=int(timeout * 1000))
    except (OSError, KafkaError, TimeoutError):
        return False
    conn.close()
    return True


def _no_tls(where: str) -> str:
    return (
        f"{where} answers without TLS on this port: check "
        f"{ENV_PREFIX}KAFKA_SECURITY_PROTOCOL and the port in "
        f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS"
    )


class TopicsNotReady(KafkaError):  # type: ignore[misc,unused-ignore]  # aiokafka is untyped
    """Topics exist but some partitions have no leader that answers, READY_TIMEOUT
    seconds on (a broker still starting, or one that lost its controller)."""

    retriable = True


async def with_broker_retry(
    what: str, action: Callable[[], Awaitable[T]], *, attempts: int = 0
) -> T:
    """Run `action` until the broker answers (`services.retry`): forever for services
    (attempts=0), a bounded number of tries for commands."""
    return await with_retry(
        what,
        action,
        on=(KafkaConnectionError, OSError, TopicsNotReady),
        attempts=attempts,
        event="kafka unreachable, retrying",
    )


async def ensure_topics(
    settings: Settings, names: list[Topic] | None = None, *, timeout: float = READY_TIMEOUT
) -> None:
    """Create potrack's topics (all, or `names`) if missing, compacted ones with
    cleanup.policy=compact, and return once they are ready to produce to
    (`wait_until_ready`). KafkaConnectionError when the broker is unreachable,
    TopicsNotReady when a partition has no answering leader `timeout` seconds on."""
    topics = [settings.topic(t) for t in (names or list(Topic))]
    client = admin(settings)
    try:
        await start_client(settings, client)
        existing = set(await client.list_topics())
        wanted = [
            NewTopic(
                name=settings.topic(t),
                num_partitions=PARTITIONS,
                replication_factor=1,
                topic_configs=_topic_config(t),
            )
            for t in (names or list(Topic))
            if settings.topic(t) not in existing
        ]
        if wanted:
            # Another process may create them at the same moment.
            with contextlib.suppress(TopicAlreadyExistsError):
                await client.create_topics(wanted)
        await wait_until_ready(settings, client, topics, timeout)
    finally:
        await client.close()


async def start_client(settings: Settings, client: Any) -> None:
    """`await client.start()` (an aiokafka producer, consumer or admin client); when it
    cannot bootstrap, KafkaAccessDenied if a broker refuses the credentials or TLS
    (`access_problem`), else aiokafka's KafkaConnectionError (unreachable: retried)."""
    try:
        await client.start()
    except KafkaConnectionError:
        problem = await access_problem(settings)
        if problem:
            raise KafkaAccessDenied(problem) from None
        raise


async def wait_until_ready(
    settings: Settings, client: AIOKafkaAdminClient, topics: list[str], timeout: float
) -> None:
    """Return once every partition of `topics` has a leader in the cluster metadata AND
    that leader answers a ListOffsets request for it. The metadata names a new
    partition's leader before the broker has taken the leadership up; until it has, it
    refuses produce requests with NotLeaderForPartition (the retry a producer used to log
    right after the topics were created). ListOffsets is served by the leader only, so its
    answer is the readiness a producer needs. `topics` must exist (a metadata request
    for a missing one creates it on a broker with auto.create.topics.enable, with the
    broker's settings rather than potrack's). Polls every READY_POLL seconds; raises
    TopicsNotReady after `timeout` seconds, naming what is missing, and
    `services.runtime.Stopped` when the process is stopping."""
    deadline = time.monotonic() + timeout
    while True:
        partitions, missing = leaders_of(await client.describe_topics(topics), topics)
        if not missing:
            break
        if time.monotonic() >= deadline:
            raise TopicsNotReady(f"topics not ready after {timeout:g} s: no leader for {missing}")
        await pause(READY_POLL)
    offsets = consumer(settings)
    await offsets.start()
    try:
        # aiokafka retries NotLeaderForPartition here by itself (refreshing the metadata).
        await asyncio.wait_for(
            offsets.end_offsets(partitions), max(0.1, deadline - time.monotonic())
        )
    except TimeoutError:
        raise TopicsNotReady(
            f"topics not ready after {timeout:g} s: the leaders of {', '.join(topics)} "
            "do not answer"
        ) from None
    finally:
        await offsets.stop()


def leaders_of(
    described: list[dict[str, Any]], topics: list[str]
) -> tuple[list[TopicPartition], str]:
    """Pure: the partitions of a DescribeTopics answer, and what has no leader yet in words
    ("" when every partition of every topic has one)."""
    partitions: list[TopicPartition] = []
    missing: list[str] = []
    seen = set()
    for topic in described:
        name = topic["topic"]
        seen.add(name)
        if topic["error_code"] != 0 or not topic["partitions"]:
            missing.append(name)
            continue
        for p in topic["partitions"]:
            partitions.append(TopicPartition(name, p["partition"]))
            if p["leader"] < 0 or p["error_code"] != 0:
                missing.append(f"{name}:{p['partition']}")
    missing += [name for name in topics if name not in seen]
    return partitions, ", ".join(missing)


# Room left in a record for the key and the headers potrack adds to a dead letter.
DEAD_LETTER_VALUE_MAX = MAX_TOPIC_MESSAGE_BYTES - 64 * 1024


def fit_dead_letter(value: bytes | None) -> tuple[bytes | None, list[tuple[str, bytes]]]:
    """The value a dead letter can carry and the headers to add: the original value when
    it fits the topic's record limit, else none and ``potrack-value-omitted`` with its
    size. A value arrives larger than the limit when its producer compressed it (the
    limit applies to the compressed batch) or nearly at it (our headers then tip it over);
    the original stays on its source topic at the position the dead letter names."""
    if value is None or len(value) <= DEAD_LETTER_VALUE_MAX:
        return value, []
    note = f"{len(value)} bytes, over the dead-letter record limit; see the source position"
    return None, [("potrack-value-omitted", note.encode())]


def _topic_config(topic: Topic) -> dict[str, str]:
    if topic in COMPACTED_TOPICS:
        return {"cleanup.policy": "compact"}
    # Inbound and dead-letter topics take values over 1 MiB, so that such a value reaches
    # us and is dead-lettered with a reason (docs/contract.md §4) instead of failing at the
    # producer.
    return {"max.message.bytes": str(MAX_TOPIC_MESSAGE_BYTES)}


def producer(settings: Settings, **kw: Any) -> AIOKafkaProducer:
    """An idempotent producer (acks=all) with the connection settings (`client_options`:
    TLS, SASL); `kw` adds or overrides aiokafka's arguments (a `transactional_id`, for
    one)."""
    return AIOKafkaProducer(
        **{
            **client_options(settings),
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "max_request_size": MAX_TOPIC_MESSAGE_BYTES + 64 * 1024,
            **kw,
        }
    )


class LazyProducer:
    """A `producer` started on first use, once `topics` exist (created when missing), and
    stopped by `close`; one lock, so concurrent first uses start one producer. For the
    API's publishers (POST /b2b/cxml's documents, the portal's events), which must not
    need the broker to start."""

    def __init__(self, settings: Settings, topics: list[Topic]) -> None:
        self.settings = settings
        self._topics = topics
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def started(self) -> AIOKafkaProducer:
        """The started producer; raises aiokafka's KafkaError or OSError when the broker
        cannot be reached (nothing is left half-started: the next call tries again)."""
        async with self._lock:
            if self._producer is None:
                await ensure_topics(self.settings, self._topics)
                started = producer(self.settings)
                try:
                    await start_client(self.settings, started)
                except BaseException:
                    await started.stop()
                    raise
                self._producer = started
            return self._producer

    async def close(self) -> None:
        """Stop the producer, if it was started."""
        async with self._lock:
            if self._producer is not None:
                await self._producer.stop()
                self._producer = None


async def broker_answers(settings: Settings, timeout: float = 3.0) -> bool:
    """True when a metadata request succeeds within `timeout` seconds (with the TLS and
    SASL settings: a broker that refuses them does not answer)."""
    client = admin(settings, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(client.start(), timeout)
        await asyncio.wait_for(client.list_topics(), timeout)
        return True
    except (TimeoutError, KafkaError, OSError):
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()


async def tolerant_batch_parser(
    records: tuple[ConsumerRecord[Any, Any], ...],
    original: Callable[[tuple[ConsumerRecord[Any, Any], ...]], Awaitable[Any]],
) -> Any:
    """FastStream's batch parser (pass as `parser=`), minus its one way to fail: it decodes
    every header as UTF-8, and one stray byte (a connector's Latin-1 file name) would fail
    the whole batch before the handler sees it. It gets copies whose headers are decoded with
    replacement characters; the handler reads the original records (`raw_message`), so
    dead letters keep their headers byte for byte."""
    safe = tuple(
        dataclasses.replace(
            r, headers=[(k, bytes(v).decode("utf-8", "replace").encode()) for k, v in r.headers]
        )
        for r in records
    )
    message = await original(safe)
    message.raw_message = records
    return message


async def raw_batch_decoder(message: Any, original: Any) -> list[bytes]:
    """The records' values as they are: FastStream would decode a body by its content
    type (a non-UTF-8 text/xml would fail the batch); the handlers decode themselves."""
    return [bytes(r.value or b"") for r in message.raw_message]


def faststream_logger(name: str) -> logging.Logger:
    """The logger to give a KafkaBroker: FastStream's own lines only for what goes wrong
    in it (ours are structured)."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)
    return logger


def records_of(message: Any) -> list[ConsumerRecord[Any, Any]]:
    """The Kafka records of a FastStream batch message (one record when not a batch)."""
    records = message.raw_message
    return [records] if isinstance(records, ConsumerRecord) else list(records)


# What a batch handler retries with backoff before it nacks: the broker or the database away
# for a moment (the subscribers' effects are idempotent, so the same batch again is safe).
INFRASTRUCTURE_ERRORS = (KafkaError, OSError, sqlite3.Error, psycopg.Error)


def subscribe_batches(
    broker: KafkaBroker,
    topic: str,
    group: str,
    handler: Callable[..., Awaitable[None]],
    *,
    max_records: int,
    **options: Any,
) -> None:
    """Subscribe `handler` to `topic` in consumer group `group`, in batches of at most
    `max_records`, from the earliest offset when the group is new. Never FastStream's
    default ack policy (auto-commit: at most once): NACK_ON_ERROR seeks back on any error,
    so no offset is committed past an unprocessed record. A header that is not UTF-8 does
    not fail the batch; the handler reads the records as they are (`records_of`)."""
    broker.subscriber(
        topic,
        group_id=group,
        batch=True,
        max_records=max_records,
        auto_offset_reset="earliest",
        # potrack publishes its outbound topics in Kafka transactions: records of an
        # aborted one (a publisher killed mid-batch) are never read.
        isolation_level="read_committed",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        parser=tolerant_batch_parser,
        decoder=raw_batch_decoder,
        **options,
    )(handler)
