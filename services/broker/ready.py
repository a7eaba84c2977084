"""Exit 0 when a Kafka broker answers a metadata request, 1 otherwise (used by kafka.sh).

`--bootstrap` alone asks a plaintext listener (the local broker of kafka.sh); `--settings`
asks the brokers potrack is configured for, with its TLS and SASL settings
(`POTRACK_KAFKA_*`; a bad one is one line and exit 2).
"""

import argparse
import asyncio
import logging
import os
import sys
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from pydantic import ValidationError

from services.kafka import access_problem, client_options
from services.settings import Settings, problems


async def topics(bootstrap: str, timeout: float, **options: Any) -> list[str]:
    """List the cluster's topics: a metadata round trip through the bootstrap address.
    `options`: aiokafka's connection arguments (`services.kafka.client_options`)."""
    admin = AIOKafkaAdminClient(
        **{"bootstrap_servers": bootstrap, **options}, request_timeout_ms=int(timeout * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), timeout)
        return sorted(await asyncio.wait_for(admin.list_topics(), timeout))
    finally:
        await admin.close()


def main() -> int:
    """0 ready, 1 not ready, 2 a bad setting (with `--settings`)."""
    port = os.environ.get("KAFKA_PORT", "9092")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default=None, help=f"host:port (127.0.0.1:{port})")
    parser.add_argument(
        "--settings",
        action="store_true",
        help="use potrack's POTRACK_KAFKA_* settings (bootstrap servers, TLS, SASL); "
        "--bootstrap then overrides the servers only",
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds")
    parser.add_argument("-v", "--verbose", action="store_true", help="print topics and errors")
    args = parser.parse_args()
    options: dict[str, Any] = {}
    settings: Settings | None = None
    if args.settings:
        try:
            settings = Settings()
            options = client_options(settings)
        except ValidationError as exc:
            for line in problems(exc):
                print(f"error: {line}", file=sys.stderr)
            return 2
    bootstrap = args.bootstrap or options.pop("bootstrap_servers", f"127.0.0.1:{port}")
    options.pop("bootstrap_servers", None)
    # A refused connection is the normal answer while the broker boots: keep aiokafka quiet.
    logging.basicConfig(level=logging.WARNING if args.verbose else logging.CRITICAL)
    try:
        names = asyncio.run(topics(bootstrap, args.timeout, **options))
    except Exception as exc:  # any failure means "not ready"
        # A broker that refuses the credentials or TLS will not become ready: say why.
        refused = asyncio.run(access_problem(settings, args.timeout)) if settings else ""
        if refused:
            print(f"error: {refused}", file=sys.stderr)
        elif args.verbose:
            print(f"not ready: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.verbose:
        print(f"ready: {bootstrap} ({len(names)} topics)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
