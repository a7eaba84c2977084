"""`make bench`: every benchmark, printed as Markdown tables for BENCHMARKS.md."""

import asyncio
import gc
import os
import platform
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from projections.runner import REBUILD_BATCH
from services.logging import configure
from tests.bench import api, gateway, ingest, notify, projections, scaling
from tests.bench.infra import (
    delete_topics,
    fresh_database,
    fresh_sqlite,
    kafka_bootstrap,
    postgres_server,
)

# 20,000 keeps `make bench` to about five minutes on the 2-core machine (issue 12).
EVENTS = int(os.environ.get("BENCH_EVENTS", "20000"))
NAIVE_LIMIT = int(os.environ.get("BENCH_NAIVE_EVENTS", "3000"))
LATENCY_RATE = float(os.environ.get("BENCH_LATENCY_RATE", "500"))
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "30"))
DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "20000"))
NOTIFICATIONS = int(os.environ.get("BENCH_NOTIFICATIONS", "2000"))


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def show(lines: list[str]) -> None:
    print("\n".join(lines), "\n", flush=True)


async def main() -> None:
    configure("WARNING")  # the tables on stdout; warnings only, on stderr
    print(f"# potrack benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}\n")
    bootstrap = kafka_bootstrap()
    prefixes: list[str] = []  # of every topic the benchmarks create: deleted at the end
    try:
        await benchmarks(bootstrap, prefixes)
    finally:
        deleted = await delete_topics(bootstrap, prefixes)
        print(f"(deleted the {len(deleted)} topics the benchmarks made)")


async def benchmarks(bootstrap: str, prefixes: list[str]) -> None:
    with postgres_server() as pg_server, tempfile.TemporaryDirectory() as tmp:
        engines: dict[str, Callable[[], str]] = {
            "SQLite": lambda: fresh_sqlite(Path(tmp)),
            "PostgreSQL": lambda: fresh_database(pg_server),
        }
        events, distinct = ingest.workload(EVENTS)
        prefix = await ingest.load_topics(bootstrap, events)
        prefixes.append(prefix)
        total = len(events)
        del events  # the measured consumers should not pay for the benchmark's own heap
        gc.collect()
        raw = await ingest.raw_consume(bootstrap, prefix, total)
        ingest_rows, rebuild_rows, latency_rows, alerts_rows = [], [], [], []
        finance_rows: list[str] = []
        stores: dict[str, str] = {}
        for engine, make_url in engines.items():
            naive = await ingest.naive_ingest(bootstrap, prefix, make_url(), NAIVE_LIMIT)
            stores[engine] = url = make_url()
            real = await ingest.potrack_ingest(bootstrap, prefix, url, distinct)
            ingest_rows.append(
                f"| {engine} | {real:,.0f} | {naive:,.0f} | {raw:,.0f} "
                f"| {real / naive:.1f}x | {real / raw:.2f} |"
            )
            reads: list[float] = projections.in_fresh_process("raw_read_rate", url)  # type: ignore[assignment]
            select, decoded = reads
            rebuilt = float(projections.in_fresh_process("status_rebuild_rate", url))  # type: ignore[arg-type]
            rebuild_rows.append(
                f"| {engine} | {rebuilt:,.0f} | {select:,.0f} | {decoded:,.0f} "
                f"| {rebuilt / select:.2f} | {rebuilt / decoded:.2f} |"
            )
            backfilled = float(projections.in_fresh_process("alerts_rebuild_rate", url))  # type: ignore[arg-type]
            marks = projections.live_watermarks(url, every=40)
            live = float(projections.in_fresh_process("alerts_rebuild_rate", url))  # type: ignore[arg-type]
            alerts_rows.append(
                f"| {engine} | {rebuilt:,.0f} | {backfilled:,.0f} | {live:,.0f} ({marks:,} watermarks) "
                f"| {backfilled / rebuilt:.2f} | {live / rebuilt:.2f} |"
            )
            fin: dict[str, float] = projections.in_fresh_process(  # type: ignore[assignment]
                "finance_rates", url, module="tests.bench.finance"
            )
            finance_rows.append(
                f"| {engine} | {fin['rebuild']:,.0f} | {fin['rebuild'] / rebuilt:.2f} "
                f"| {fin['commitments']:,.0f} | {fin['forecast_rows']:,.0f} | {fin['raw_rows']:,.0f} "
                f"| {fin['forecast_rows'] / fin['raw_rows']:.2f} | {fin['as_of_events']:,.0f} "
                f"| {fin['as_of_events'] / fin['raw_events']:.2f} |"
            )
        show(
            [
                f"### Ingest: {total} events ({distinct} distinct) through the real broker",
                "",
                "naive = load and save the aggregate once per message (measured on the first "
                f"{NAIVE_LIMIT}); raw = aiokafka consume + json.loads, nothing stored (the ceiling).",
                "",
                "| store | potrack events/s | naive events/s | raw events/s | potrack / naive | potrack / raw |",
                "|---|---|---|---|---|---|",
                *ingest_rows,
            ]
        )
        show(
            [
                f"### Status view rebuild from the store ({distinct} events)",
                "",
                f"rebuild = `potrack replay status` (batches of {REBUILD_BATCH:,} "
                "notifications, one transaction each); select = the notification log read in "
                "batches of 2,000; decode = select + the facts decoded.",
                "",
                "| store | rebuild events/s | raw select events/s | select + decode events/s "
                "| rebuild / select | rebuild / decode |",
                "|---|---|---|---|---|---|",
                *rebuild_rows,
            ]
        )
        show(
            [
                f"### Alerts rebuild next to the status rebuild ({distinct} events, same store)",
                "",
                "back-filled = the store as ingest left it (one watermark at its end); live = one "
                "watermark per 40 notifications, as a live run at 20 events/s with a 2 s clock "
                "period records them (docs/contract.md §5).",
                "",
                "| store | status events/s | alerts back-filled events/s | alerts live events/s "
                "| back-filled / status | live / status |",
                "|---|---|---|---|---|---|",
                *alerts_rows,
            ]
        )
        show(
            [
                f"### Finance: commitments rebuild and the cash forecast ({distinct} events)",
                "",
                "forecast now = GET /finance/cash-forecast's work over the commitments projection "
                "(weekly buckets), against select + json.loads of the same rows; as of = every "
                "commitment folded from the store up to an instant, against select + decode.",
                "",
                "| store | commitments rebuild events/s | rebuild / status rebuild | commitments "
                "| forecast now rows/s | raw rows/s | now / raw | forecast as-of events/s "
                "| as-of / decode |",
                "|---|---|---|---|---|---|---|---|---|",
                *finance_rows,
            ]
        )
        one = await asyncio.to_thread(
            scaling.ingest_processes, bootstrap, prefix, engines["PostgreSQL"](), distinct, 1
        )
        two = await asyncio.to_thread(
            scaling.ingest_processes, bootstrap, prefix, engines["PostgreSQL"](), distinct, 2
        )
        show(
            [
                f"### Ingest processes on PostgreSQL: {distinct} events, one consumer group",
                "",
                "`potrack ingest` processes started together, rate from the first stored "
                "event to the last (the store polled every 50 ms); conflicts = batches "
                "read again because another process wrote one of their POs first.",
                "",
                "| processes | events/s | conflicts | / one process | / raw |",
                "|---|---|---|---|---|",
                f"| 1 | {one['rate']:,.0f} | {one['conflicts']:.0f} | 1.00 | {one['rate'] / raw:.2f} |",
                f"| 2 | {two['rate']:,.0f} | {two['conflicts']:.0f} "
                f"| {two['rate'] / one['rate']:.2f} | {two['rate'] / raw:.2f} |",
            ]
        )
        for engine, make_url in engines.items():
            lat_prefix = f"lat{uuid.uuid4().hex[:8]}."
            prefixes.append(lat_prefix)
            lat = await projections.end_to_end_latency(
                bootstrap, make_url(), LATENCY_RATE, LATENCY_SECONDS, prefix=lat_prefix
            )
            latency_rows.append(
                f"| {engine} | {lat['offered']:.0f} | {lat['events']} "
                f"| {lat['p50_ms']:.0f} | {lat['p99_ms']:.0f} |"
            )
        show(
            [
                "### End to end: produce -> po.status.v1 record (ingest + status projection + outbox)",
                "",
                "| store | offered events/s | events | p50 ms | p99 ms |",
                "|---|---|---|---|---|",
                *latency_rows,
            ]
        )
        await gateway_table(bootstrap, Path(tmp), prefixes)
        rates = await asyncio.to_thread(notify.notify_rates, NOTIFICATIONS)
        show(
            [
                f"### Notifier: {NOTIFICATIONS} alert transitions to a local webhook (json://)",
                "",
                "potrack = queue, flusher, rendering and Apprise, from queueing to the last "
                "delivery; raw = plain HTTP POSTs of a body of the same size to the same server "
                "(the ceiling), one connection each.",
                "",
                "| digest | potrack transitions/s | messages | raw POSTs/s | potrack / raw |",
                "|---|---|---|---|---|",
                f"| none (one message each) | {rates['one']:,.0f} | {rates['one_messages']:,.0f} "
                f"| {rates['raw']:,.0f} | {rates['one'] / rates['raw']:.2f} |",
                f"| 15 minutes | {rates['digest']:,.0f} | {rates['digest_messages']:,.0f} "
                f"| {rates['raw']:,.0f} | {rates['digest'] / rates['raw']:.2f} |",
            ]
        )
        lat = await api.api_latency(stores["SQLite"])
        show(
            [
                f"### Read API, 50 concurrent clients, {lat['requests']} requests in all, same app",
                "",
                "| endpoint | p50 ms | p99 ms |",
                "|---|---|---|",
                f"| GET /health (trivial) | {lat['health_p50']:.1f} | {lat['health_p99']:.1f} |",
                f"| GET /pos/{{po}} | {lat['pos_p50']:.1f} | {lat['pos_p99']:.1f} |",
                f"| ratio | {lat['pos_p50'] / lat['health_p50']:.2f} | {lat['pos_p99'] / lat['health_p99']:.2f} |",
            ]
        )


async def gateway_table(bootstrap: str, tmp: Path, prefixes: list[str]) -> None:
    docs = gateway.documents(DOCUMENTS)
    url = gateway.views_with_sends(tmp, DOCUMENTS)
    prefix = await gateway.load(bootstrap, docs)
    prefixes.append(prefix)
    raw = await gateway.raw_consume(bootstrap, prefix, DOCUMENTS)
    alone = gateway.translate_only(url, docs)
    real = await gateway.gateway_rate(bootstrap, prefix, url, DOCUMENTS)
    show(
        [
            f"### B2B gateway: {DOCUMENTS} X12 997s from po.documents.v1 to po.delivery.v1",
            "",
            "raw = aiokafka consume of the documents topic, nothing else (the ceiling); "
            "translation = read + correlate + build the events, no Kafka.",
            "",
            "| gateway documents/s | translation documents/s | raw documents/s | gateway / raw |",
            "|---|---|---|---|",
            f"| {real:,.0f} | {alone:,.0f} | {raw:,.0f} | {real / raw:.2f} |",
        ]
    )


if __name__ == "__main__":
    asyncio.run(main())
