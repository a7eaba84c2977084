"""`make bench`: every benchmark, printed as Markdown tables for BENCHMARKS.md."""

import asyncio
import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tests.bench import ingest
from tests.bench.infra import fresh_database, fresh_sqlite, kafka_bootstrap, postgres_server

EVENTS = int(os.environ.get("BENCH_EVENTS", "50000"))
NAIVE_LIMIT = int(os.environ.get("BENCH_NAIVE_EVENTS", "3000"))


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


async def ingest_section(pg_server: str, workdir: Path) -> list[str]:
    bootstrap = kafka_bootstrap()
    events, distinct = ingest.workload(EVENTS)
    prefix = await ingest.load_topics(bootstrap, events)
    raw = await ingest.raw_consume(bootstrap, prefix, len(events))
    lines = [
        f"### Ingest: {len(events)} events ({distinct} distinct) through the real broker",
        "",
        "| store | potrack events/s | naive events/s | raw consume+parse events/s "
        "| potrack / naive | potrack / raw |",
        "|---|---|---|---|---|---|",
    ]
    for engine, make_url in (
        ("SQLite", lambda: fresh_sqlite(workdir)),
        ("PostgreSQL", lambda: fresh_database(pg_server)),
    ):
        naive = await ingest.naive_ingest(bootstrap, prefix, make_url(), NAIVE_LIMIT)
        real = await ingest.potrack_ingest(bootstrap, prefix, make_url(), distinct)
        lines.append(
            f"| {engine} | {real:,.0f} | {naive:,.0f} (first {NAIVE_LIMIT}) | {raw:,.0f} "
            f"| {real / naive:.1f}x | {real / raw:.2f} |"
        )
    return lines


async def main() -> None:
    print(f"# potrack benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}\n")
    with postgres_server() as pg_server, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for section in (ingest_section,):
            lines = await section(pg_server, workdir)
            print("\n".join(lines), "\n", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
