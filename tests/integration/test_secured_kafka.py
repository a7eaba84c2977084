"""Secured Kafka (issue 12): potrack's processes work through a SASL_SSL listener with
each SASL mechanism (and a client certificate), a wrong password stops them with one
line, and no password reaches their output.

A second, throwaway broker of the same jars as `services/broker/kafka.sh`, on free ports
and its own data directory (the shared broker on 9092 is never touched): PLAINTEXT for
itself and for the test's own checks, CONTROLLER, and SASL_SSL for potrack, with
certificates made in the test (`tests.tls`), SCRAM users added when the storage is
formatted and a PLAIN user in the listener's JAAS configuration.
"""

import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import Topic
from tests.integration.kit import consume, potrack, potrack_env, run_cli
from tests.tls import KEY_PASSWORD, Certificates, make_certificates

ROOT = Path(__file__).resolve().parents[2]
KAFKA_SH = ROOT / "services" / "broker" / "kafka.sh"
READY_PY = ROOT / "services" / "broker" / "ready.py"
LIBS = ROOT / ".cache" / "kafka" / "libs"
USERS = {  # mechanism: (user, password)
    "SCRAM-SHA-256": ("alice", "alice-Scram256-pw"),
    "SCRAM-SHA-512": ("bob", "bob-Scram512-pw"),
    "PLAIN": ("carol", "carol-Plain-pw"),
}
START_TIMEOUT = 60.0  # seconds
PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule"
SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"


@dataclass(frozen=True)
class SecuredKafka:
    plaintext: str  # host:port of the PLAINTEXT listener (the test's own checks)
    secured: str  # host:port of the SASL_SSL listener (potrack)
    certs: Certificates


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_properties(state: Path, ports: tuple[int, int, int], certs: Certificates) -> str:
    plain, controller, secured = ports
    user, password = USERS["PLAIN"]
    return f"""
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:{plain},CONTROLLER://127.0.0.1:{controller},SASL_SSL://127.0.0.1:{secured}
advertised.listeners=PLAINTEXT://127.0.0.1:{plain},SASL_SSL://127.0.0.1:{secured}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
controller.quorum.bootstrap.servers=127.0.0.1:{controller}
log.dirs={state / "data"}
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config={PLAIN_LOGIN} required user_{user}="{password}";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config={SCRAM_LOGIN} required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={SCRAM_LOGIN} required;
listener.name.sasl_ssl.ssl.client.auth=requested
ssl.keystore.type=PEM
ssl.keystore.location={certs.server}
ssl.truststore.type=PEM
ssl.truststore.location={certs.ca}
"""


def java(*args: str, state: Path) -> list[str]:
    return [
        "java",
        f"-Dlog4j2.configurationFile={ROOT / 'services' / 'broker' / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={state}",
        "-cp",
        f"{LIBS}/*",
        *args,
    ]


async def answers(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
    try:
        await asyncio.wait_for(admin.start(), 3)
        await asyncio.wait_for(admin.list_topics(), 3)
        return True
    except Exception:
        return False
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def secured_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredKafka]:
    """The second broker, started once for the module and stopped after it."""
    if shutil.which("java") is None:
        pytest.fail("the secured Kafka test needs Java 17+ (Debian: openjdk-17-jre-headless)")
    fetch = subprocess.run(["bash", str(KAFKA_SH), "fetch"], capture_output=True, text=True)
    if fetch.returncode != 0:
        pytest.fail(f"cannot fetch the Kafka jars: {fetch.stderr}")
    state = tmp_path_factory.mktemp("secured-kafka")
    certs = make_certificates(state / "tls")
    ports = (free_port(), free_port(), free_port())
    config = state / "server.properties"
    config.write_text(server_properties(state, ports, certs))
    cluster = "-"
    while cluster.startswith("-"):  # as Kafka's own Uuid.randomUuid: never an option-like id
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    scram = [
        f"--add-scram={mechanism}=[name={user},password={password}]"
        for mechanism, (user, password) in USERS.items()
        if mechanism.startswith("SCRAM")
    ]
    formatted = subprocess.run(
        java("kafka.tools.StorageTool", "format", "--standalone", "--config", str(config),
             f"--cluster-id={cluster}", *scram, state=state),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if formatted.returncode != 0:
        pytest.fail(f"formatting the secured broker's storage failed: {formatted.stderr}")
    log = state / "kafka.out"
    with log.open("wb") as out:
        broker = subprocess.Popen(
            java("-Xms128m", "-Xmx512m", "kafka.Kafka", str(config), state=state),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of pytest reaches it through the fixture only
        )
    plaintext, secured = f"127.0.0.1:{ports[0]}", f"127.0.0.1:{ports[2]}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not asyncio.run(answers(plaintext)):
            if broker.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"the secured broker did not start:\n{tail}")
            time.sleep(0.5)
        yield SecuredKafka(plaintext, secured, certs)
    finally:
        broker.terminate()
        try:
            broker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            broker.kill()
            broker.wait()


def secured_env(
    kafka: SecuredKafka, mechanism: str, password: str | None = None, **extra: str
) -> dict[str, str]:
    """The POTRACK_KAFKA_* settings of a client of the SASL_SSL listener as `mechanism`'s
    user (its right password unless `password`)."""
    user, right = USERS[mechanism]
    return {
        "POTRACK_KAFKA_BOOTSTRAP_SERVERS": kafka.secured,
        "POTRACK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "POTRACK_KAFKA_SASL_MECHANISM": mechanism,
        "POTRACK_KAFKA_SASL_USERNAME": user,
        "POTRACK_KAFKA_SASL_PASSWORD": right if password is None else password,
        "POTRACK_KAFKA_SSL_CAFILE": str(kafka.certs.ca),
        **extra,
    }


def ready_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(READY_PY), "--settings", "--timeout", "5"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_ready_check_answers_through_sasl_ssl_and_says_why_a_password_is_refused(
    secured_kafka: SecuredKafka,
) -> None:
    assert ready_check(secured_env(secured_kafka, "PLAIN")).returncode == 0
    # kafka.sh's own use: the plaintext listener by address alone.
    plain = subprocess.run(
        [sys.executable, str(READY_PY), "--bootstrap", secured_kafka.plaintext],
        capture_output=True,
        timeout=60,
    )
    assert plain.returncode == 0

    refused = ready_check(secured_env(secured_kafka, "PLAIN", password="Wrong-Pw-123"))

    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"error: Kafka at {secured_kafka.secured} refused the SASL credentials of user "
        "'carol' (PLAIN): check POTRACK_KAFKA_SASL_USERNAME and POTRACK_KAFKA_SASL_PASSWORD"
    )
    assert "Wrong-Pw-123" not in refused.stderr + refused.stdout
    other_ca = {"POTRACK_KAFKA_SSL_CAFILE": str(secured_kafka.certs.other_ca)}
    unverified = ready_check({**secured_env(secured_kafka, "PLAIN"), **other_ca})
    assert unverified.returncode == 1
    assert unverified.stderr.strip() == (
        f"error: Kafka at {secured_kafka.secured}: its TLS certificate does not verify "
        "(unable to get local issuer certificate): check POTRACK_KAFKA_SSL_CAFILE and the "
        "host name in POTRACK_KAFKA_BOOTSTRAP_SERVERS"
    )


def test_a_wrong_password_stops_a_command_and_a_service_with_one_line(
    secured_kafka: SecuredKafka, tmp_path: Path
) -> None:
    wrong = "Not-Alices-Pw-42"
    env = potrack_env(
        secured_kafka.secured,
        f"sqlite:///{tmp_path / 'store.sqlite'}",
        "wrong.",
        **secured_env(secured_kafka, "SCRAM-SHA-256", password=wrong),
    )
    said = (
        f"Kafka at {secured_kafka.secured} refused the SASL credentials of user 'alice' "
        "(SCRAM-SHA-256): check POTRACK_KAFKA_SASL_USERNAME and POTRACK_KAFKA_SASL_PASSWORD"
    )

    simulate = run_cli(["simulate", "--mode", "historical", "--count", "5"], env, timeout=60)
    gateway = run_cli(["gateway"], env, timeout=60)  # a service: not retried forever

    assert simulate.returncode == 1
    assert simulate.stderr.strip().splitlines()[-1] == f"error: {said}"
    assert gateway.returncode == 1
    failed = [json.loads(line) for line in gateway.stderr.splitlines() if "service failed" in line]
    assert [line["error"] for line in failed] == [said]
    for run in (simulate, gateway):
        assert wrong not in run.stdout + run.stderr and "Traceback" not in run.stderr


def test_potrack_runs_through_sasl_ssl_with_each_mechanism_and_never_logs_a_password(
    secured_kafka: SecuredKafka, tmp_path: Path
) -> None:
    # `potrack run` (ingest, gateway, projections and outbox, notifier, API) as SCRAM-SHA-512
    # with a client certificate and an encrypted key; the traffic as SCRAM-SHA-256.
    prefix, port = "sec.", free_port()
    certs = secured_kafka.certs
    service = secured_env(
        secured_kafka,
        "SCRAM-SHA-512",
        POTRACK_KAFKA_SSL_CERTFILE=str(certs.client_cert),
        POTRACK_KAFKA_SSL_KEYFILE=str(certs.client_key_encrypted),
        POTRACK_KAFKA_SSL_KEY_PASSWORD=KEY_PASSWORD,
        POTRACK_API_PORT=str(port),
        POTRACK_ALERT_CLOCK_SECONDS="0.5",
    )
    store = f"sqlite:///{tmp_path / 'store.sqlite'}"
    env = potrack_env(secured_kafka.secured, store, prefix, **service)
    traffic = potrack_env(
        secured_kafka.secured, store, prefix, **secured_env(secured_kafka, "SCRAM-SHA-256")
    )
    log = tmp_path / "run.log"

    with potrack(["run"], env, log) as running:
        sent = run_cli(
            ["simulate", "--mode", "historical", "--count", "40", "--rate", "0", "--seed", "12"],
            traffic,
            timeout=120,
        )
        assert sent.returncode == 0, sent.stderr
        assert "sent 40" in sent.stdout
        # Through ingest, the store, the status projection and the outbox to po.status.v1.
        status = asyncio.run(
            consume(secured_kafka.plaintext, f"{prefix}{Topic.STATUS.value}", 1, timeout=60)
        )
        assert status
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=10) as answer:
            assert json.load(answer)["checks"]["kafka"] == "ok"
        assert running.poll() is None, log.read_text()

    output = log.read_text() + sent.stdout + sent.stderr
    assert "Traceback" not in output
    for mechanism, (_, password) in USERS.items():
        assert password not in output, mechanism
    assert KEY_PASSWORD not in output
