"""Exit 0 when a Kafka broker answers a metadata request, 1 otherwise (used by kafka.sh)."""

import argparse
import asyncio
import logging
import os
import sys

from aiokafka.admin import AIOKafkaAdminClient


async def topics(bootstrap: str, timeout: float) -> list[str]:
    """List the cluster's topics: a metadata round trip through the bootstrap address."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        return sorted(await asyncio.wait_for(admin.list_topics(), timeout))
    finally:
        await admin.close()


def main() -> int:
    port = os.environ.get("KAFKA_PORT", "9092")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default=f"127.0.0.1:{port}")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds")
    parser.add_argument("-v", "--verbose", action="store_true", help="print topics and errors")
    args = parser.parse_args()
    # A refused connection is the normal answer while the broker boots: keep aiokafka quiet.
    logging.basicConfig(level=logging.WARNING if args.verbose else logging.CRITICAL)
    try:
        names = asyncio.run(topics(args.bootstrap, args.timeout))
    except Exception as exc:  # any failure means "not ready"
        if args.verbose:
            print(f"not ready: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.verbose:
        print(f"ready: {args.bootstrap} ({len(names)} topics)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
