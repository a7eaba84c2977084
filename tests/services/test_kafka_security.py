"""Secured Kafka settings (issue 12): the POTRACK_KAFKA_* TLS and SASL variables are
checked at start (one line naming the variable, never a password) and become the same
connection arguments for every aiokafka client and FastStream broker."""

import ssl
from pathlib import Path

import pytest
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import ValidationError
from typer.testing import CliRunner

from services.cli import app
from services.kafka import broker_security, client_options
from services.settings import Settings, problems
from tests.tls import KEY_PASSWORD, Certificates, make_certificates

PASSWORD = "hunter2-not-to-be-seen"
SCRAM = {
    "POTRACK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "POTRACK_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
    "POTRACK_KAFKA_SASL_USERNAME": "alice",
    "POTRACK_KAFKA_SASL_PASSWORD": PASSWORD,
}


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


def settings_of(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def lines_of(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        settings_of(monkeypatch, env)
    return problems(refused.value)


def test_by_default_clients_connect_in_plaintext(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_of(monkeypatch, {})

    assert client_options(settings) == {
        "bootstrap_servers": "127.0.0.1:9092",
        "security_protocol": "PLAINTEXT",
    }
    assert broker_security(settings) is None


def test_sasl_ssl_with_scram_gives_every_client_tls_and_the_credentials(
    monkeypatch: pytest.MonkeyPatch, certs: Certificates
) -> None:
    settings = settings_of(monkeypatch, {**SCRAM, "POTRACK_KAFKA_SSL_CAFILE": str(certs.ca)})

    options = client_options(settings)

    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"]) == ("SCRAM-SHA-256", "alice")
    assert options["sasl_plain_password"] == PASSWORD
    context = options["ssl_context"]
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert PASSWORD not in repr(options) and PASSWORD not in repr(settings)


@pytest.mark.parametrize(
    ("mechanism", "kind"),
    [("PLAIN", SASLPlaintext), ("SCRAM-SHA-256", SASLScram256), ("SCRAM-SHA-512", SASLScram512)],
)
def test_the_faststream_brokers_get_the_same_arguments(
    monkeypatch: pytest.MonkeyPatch, certs: Certificates, mechanism: str, kind: type
) -> None:
    env = {**SCRAM, "POTRACK_KAFKA_SASL_MECHANISM": mechanism.lower()}  # any case
    settings = settings_of(monkeypatch, {**env, "POTRACK_KAFKA_SSL_CAFILE": str(certs.ca)})

    security = broker_security(settings)

    assert security is not None and isinstance(security, kind)
    assert security.use_ssl
    given = parse_security(security)  # what FastStream hands to aiokafka
    options = client_options(settings)
    for key in ("security_protocol", "sasl_mechanism", "sasl_plain_username"):
        assert given[key] == options[key]
    assert given["sasl_plain_password"] == PASSWORD
    assert isinstance(given["ssl_context"], ssl.SSLContext)


def test_sasl_without_tls_has_no_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        **SCRAM,
        "POTRACK_KAFKA_SECURITY_PROTOCOL": "sasl_plaintext",
        "POTRACK_KAFKA_SASL_MECHANISM": "PLAIN",
    }
    settings = settings_of(monkeypatch, env)

    assert "ssl_context" not in client_options(settings)
    security = broker_security(settings)
    assert isinstance(security, SASLPlaintext) and not security.use_ssl
    assert parse_security(security)["security_protocol"] == "SASL_PLAINTEXT"


def test_tls_with_a_client_certificate_and_an_encrypted_key(
    monkeypatch: pytest.MonkeyPatch, certs: Certificates
) -> None:
    env = {
        "POTRACK_KAFKA_SECURITY_PROTOCOL": "SSL",
        "POTRACK_KAFKA_SSL_CAFILE": str(certs.ca),
        "POTRACK_KAFKA_SSL_CERTFILE": str(certs.client_cert),
        "POTRACK_KAFKA_SSL_KEYFILE": str(certs.client_key_encrypted),
        "POTRACK_KAFKA_SSL_KEY_PASSWORD": KEY_PASSWORD,
    }
    settings = settings_of(monkeypatch, env)

    options = client_options(settings)
    assert options["security_protocol"] == "SSL" and "sasl_mechanism" not in options
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    security = broker_security(settings)
    assert type(security) is BaseSecurity and security.use_ssl
    assert parse_security(security)["security_protocol"] == "SSL"
    assert KEY_PASSWORD not in repr(settings)


def test_sasl_needs_a_mechanism_a_user_and_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = lines_of(
        monkeypatch,
        {"POTRACK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "POTRACK_KAFKA_SASL_PASSWORD": PASSWORD},
    )

    assert lines == [
        "POTRACK_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs POTRACK_KAFKA_SASL_MECHANISM, "
        "POTRACK_KAFKA_SASL_USERNAME"
    ]


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"POTRACK_KAFKA_SECURITY_PROTOCOL": "TLS"},
            "POTRACK_KAFKA_SECURITY_PROTOCOL='TLS': expected one of PLAINTEXT, SSL, "
            "SASL_PLAINTEXT, SASL_SSL (How every Kafka client connects",
        ),
        (
            {**SCRAM, "POTRACK_KAFKA_SASL_MECHANISM": "GSSAPI"},
            "POTRACK_KAFKA_SASL_MECHANISM='GSSAPI': expected one of PLAIN, SCRAM-SHA-256, "
            "SCRAM-SHA-512",
        ),
        (  # credentials that would be silently ignored
            {"POTRACK_KAFKA_SASL_USERNAME": "alice", "POTRACK_KAFKA_SASL_PASSWORD": PASSWORD},
            "POTRACK_KAFKA_SASL_USERNAME, POTRACK_KAFKA_SASL_PASSWORD set but "
            "POTRACK_KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no SASL",
        ),
        (
            {
                **SCRAM,
                "POTRACK_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "POTRACK_KAFKA_SSL_CAFILE": "{ca}",
            },
            "POTRACK_KAFKA_SSL_CAFILE set but POTRACK_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT "
            "uses no TLS",
        ),
        (
            {**SCRAM, "POTRACK_KAFKA_SSL_CAFILE": "{dir}/missing.pem"},
            "POTRACK_KAFKA_SSL_CAFILE='{dir}/missing.pem': cannot read it: No such file",
        ),
        (
            {**SCRAM, "POTRACK_KAFKA_SSL_CAFILE": "{key}"},
            "POTRACK_KAFKA_SSL_CAFILE='{key}': no PEM certificate in it",
        ),
        (
            {**SCRAM, "POTRACK_KAFKA_SSL_KEYFILE": "{key}"},
            "POTRACK_KAFKA_SSL_KEYFILE or POTRACK_KAFKA_SSL_KEY_PASSWORD set without "
            "POTRACK_KAFKA_SSL_CERTFILE",
        ),
        (
            {
                **SCRAM,
                "POTRACK_KAFKA_SSL_CERTFILE": "{cert}",
                "POTRACK_KAFKA_SSL_KEYFILE": "{server_key}",
            },
            "POTRACK_KAFKA_SSL_KEYFILE='{server_key}': the key is not the one of the "
            "certificate in POTRACK_KAFKA_SSL_CERTFILE",
        ),
        (
            {**SCRAM, "POTRACK_KAFKA_SSL_CERTFILE": "{cert}", "POTRACK_KAFKA_SSL_KEYFILE": "{enc}"},
            "POTRACK_KAFKA_SSL_KEY_PASSWORD: not set for the encrypted key in '{enc}'",
        ),
        (
            {
                **SCRAM,
                "POTRACK_KAFKA_SSL_CERTFILE": "{cert}",
                "POTRACK_KAFKA_SSL_KEYFILE": "{enc}",
                "POTRACK_KAFKA_SSL_KEY_PASSWORD": PASSWORD,
            },
            "POTRACK_KAFKA_SSL_KEY_PASSWORD: wrong for the encrypted key in '{enc}'",
        ),
        (
            {**SCRAM, "POTRACK_KAFKA_SSL_CERTFILE": "{key}"},
            "POTRACK_KAFKA_SSL_CERTFILE='{key}': no PEM certificate in it",
        ),
    ],
)
def test_a_bad_kafka_security_setting_is_one_line_naming_it_without_a_password(
    monkeypatch: pytest.MonkeyPatch, certs: Certificates, env: dict[str, str], says: str
) -> None:
    files = {
        "ca": str(certs.ca),
        "dir": str(certs.ca.parent),
        "key": str(certs.client_key),
        "cert": str(certs.client_cert),
        "enc": str(certs.client_key_encrypted),
        "server_key": str(certs.ca.parent / "server.key"),
    }

    lines = lines_of(monkeypatch, {k: v.format(**files) for k, v in env.items()})

    assert len(lines) == 1 and lines[0].startswith(says.format(**files)), lines
    assert PASSWORD not in lines[0]


def test_a_sasl_password_given_where_it_is_wrong_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    # A value pydantic cannot take at all is shown, but never a password's.
    monkeypatch.setenv("POTRACK_KAFKA_SASL_PASSWORD", PASSWORD)

    with pytest.raises(ValidationError) as refused:
        Settings(kafka_sasl_password=["not", "a", "text"])

    assert problems(refused.value) == [
        "POTRACK_KAFKA_SASL_PASSWORD=<hidden>: expected a text (SASL password)"
    ]


def test_a_command_refuses_a_bad_kafka_security_setting_with_exit_2() -> None:
    env = {"POTRACK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "POTRACK_KAFKA_SASL_PASSWORD": PASSWORD}

    result = CliRunner().invoke(app, ["simulate", "--count", "1"], env=env)

    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "error: POTRACK_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs POTRACK_KAFKA_SASL_MECHANISM, "
        "POTRACK_KAFKA_SASL_USERNAME"
    )


def test_an_empty_setting_is_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = settings_of(
        monkeypatch,
        {
            "POTRACK_KAFKA_SECURITY_PROTOCOL": "",
            "POTRACK_KAFKA_SASL_USERNAME": " ",
            "POTRACK_KAFKA_SSL_CAFILE": "",
        },
    )

    assert settings.kafka_security_protocol == "PLAINTEXT"
    assert settings.kafka_sasl_username is None and settings.kafka_ssl_cafile is None


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"kafka_security_protocol": "SSL"}, "answers without TLS on this port"),
        (
            {
                "kafka_security_protocol": "SASL_SSL",
                "kafka_sasl_mechanism": "PLAIN",
                "kafka_sasl_username": "potrack",
                "kafka_sasl_password": "s3cret-pw",
            },
            "answers without TLS on this port",
        ),
        (
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "SCRAM-SHA-512",
                "kafka_sasl_username": "potrack",
                "kafka_sasl_password": "s3cret-pw",
            },
            "does not take SASL on this listener",
        ),
    ],
    ids=["tls", "sasl-tls", "sasl"],
)
async def test_the_wrong_protocol_for_a_plaintext_listener_says_so_in_one_line(
    kafka_bootstrap: str, settings: dict[str, str], says: str
) -> None:
    from services.kafka import access_problem

    line = await access_problem(Settings(kafka_bootstrap_servers=kafka_bootstrap, **settings))

    assert says in line and "POTRACK_KAFKA_SECURITY_PROTOCOL" in line
    assert "s3cret-pw" not in line
