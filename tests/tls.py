"""Test certificates made with the `openssl` command: a CA, a server certificate for
127.0.0.1 and localhost, a client certificate, and the client key encrypted too.

The openssl CLI rather than the `cryptography` package: it is on every machine that runs
the broker tests, and potrack does not depend on `cryptography`.
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

KEY_PASSWORD = "client-key-pass"


@dataclass(frozen=True)
class Certificates:
    """PEM files: `ca` signs `server` (key+chain in one file, as Kafka's PEM keystore
    takes it) and `client_cert`/`client_key` (`client_key_encrypted`: the same key under
    KEY_PASSWORD); `other_ca` signs nothing here (a CA the broker's certificate does not
    come from)."""

    ca: Path
    other_ca: Path
    server: Path
    client_cert: Path
    client_key: Path
    client_key_encrypted: Path


def _openssl(*args: str, cwd: Path) -> None:
    run = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {run.stderr.strip()}")


def _ca(name: str, cwd: Path) -> None:
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN=potrack test {name}",
        cwd=cwd,
    )  # fmt: skip


def _signed(name: str, subject: str, extensions: str | None, cwd: Path) -> None:
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
        "-out", f"{name}.csr", "-subj", f"/CN={subject}",
        cwd=cwd,
    )  # fmt: skip
    extra = []
    if extensions is not None:
        (cwd / f"{name}.ext").write_text(extensions + "\n")
        extra = ["-extfile", f"{name}.ext"]
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", f"{name}.crt", *extra,
        cwd=cwd,
    )  # fmt: skip


def make_certificates(directory: Path) -> Certificates:
    """Write the certificates into `directory` (about a second: four RSA keys)."""
    if shutil.which("openssl") is None:
        pytest.fail("the TLS tests need the openssl command (Debian: apt-get install openssl)")
    directory.mkdir(parents=True, exist_ok=True)
    _ca("ca", directory)
    _ca("other-ca", directory)
    _signed("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost", directory)
    _signed("client", "potrack-client", None, directory)
    _openssl(
        "pkcs8", "-topk8", "-v2", "aes256", "-in", "client.key", "-out", "client.enc.key",
        "-passout", f"pass:{KEY_PASSWORD}",
        cwd=directory,
    )  # fmt: skip
    server = directory / "server.pem"  # Kafka's PEM keystore: the key, then the chain
    server.write_text(
        (directory / "server.key").read_text() + (directory / "server.crt").read_text()
    )
    return Certificates(
        ca=directory / "ca.pem",
        other_ca=directory / "other-ca.pem",
        server=server,
        client_cert=directory / "client.crt",
        client_key=directory / "client.key",
        client_key_encrypted=directory / "client.enc.key",
    )
