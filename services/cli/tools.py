"""`potrack simulate` and `potrack schemas`."""

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from schemas.generate import main as generate_main
from services.cli.common import app, err, fail, out, settings


def _write(path: Path, text: Callable[[], str], what: str) -> None:
    """Write a demo file for `potrack simulate --write-*` (its folder made as needed);
    one line and exit 2 when it cannot be written."""
    try:
        content = text()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    except (OSError, ValueError) as exc:
        fail(f"cannot write {what} {path}: {exc}", 2)
    out.print(f"wrote {path}", highlight=False)


def _given(ctx: typer.Context, *names: str) -> list[str]:
    """The options among `names` (parameter names) given on the command line, as typed."""
    given = []
    for name in names:
        source = ctx.get_parameter_source(name)
        if source is not None and source.name != "DEFAULT":
            given.append("--" + name.replace("_", "-"))
    return given


TRAFFIC_OPTIONS = ("count", "rate", "seed", "mode", "days", "bad_fraction", "documents")


def _check_together(ctx: typer.Context, mode: str) -> None:
    """Exit 2 with one line for options of `potrack simulate` that do not go together."""
    writes = _given(ctx, "write_partners", "write_notify", "write_sla")
    if len(writes) > 1:
        fail(f"{' and '.join(writes)} do not go together: one file per run", 2)
    if writes and (traffic := _given(ctx, *TRAFFIC_OPTIONS)):
        fail(f"{writes[0]} writes a file and exits: {', '.join(traffic)} would do nothing", 2)
    if _given(ctx, "mail_port") and not _given(ctx, "write_notify"):
        fail("--mail-port goes with --write-notify (the rules' mail server)", 2)
    if _given(ctx, "days") and mode != "historical":
        fail("--days goes with --mode historical (live traffic is timed now)", 2)


@app.command()
def simulate(
    ctx: typer.Context,
    count: Annotated[int, typer.Option(min=1, help="How many events to publish.")] = 20_000,
    rate: Annotated[
        float, typer.Option(min=0, help="Events per second; 0 publishes as fast as possible.")
    ] = 50.0,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: a new one each run).")
    ] = None,
    mode: Annotated[
        str, typer.Option(help="live (event times now) or historical (spread over --days).")
    ] = "live",
    days: Annotated[float, typer.Option(min=0.1, help="History length in historical mode.")] = 30.0,
    bad_fraction: Annotated[
        float, typer.Option(min=0, max=1, help="Share of broken messages.")
    ] = 0.005,
    documents: Annotated[
        bool,
        typer.Option(
            help="Send what suppliers' systems and mail servers send (997, CONTRL, 855, "
            "ORDRSP, cXML, DSN, MDN) as raw documents on po.documents.v1, for the gateway."
        ),
    ] = True,
    write_partners: Annotated[
        Path | None,
        typer.Option(
            help="Write the simulated suppliers' partners file (for POTRACK_PARTNERS_FILE) "
            "to this path and exit.",
            dir_okay=False,
        ),
    ] = None,
    write_notify: Annotated[
        Path | None,
        typer.Option(
            help="Write notification rules for the simulated buyers and suppliers (for "
            "POTRACK_NOTIFY_FILE), mailing through a local SMTP sink on --mail-port, and exit.",
            dir_okay=False,
        ),
    ] = None,
    mail_port: Annotated[
        int, typer.Option(help="The local mail sink's port, for --write-notify.")
    ] = 2525,
    write_sla: Annotated[
        Path | None,
        typer.Option(
            help="Write the demo SLA policy (for POTRACK_SLA_FILE): default deadlines with "
            "line tolerances for the simulated suppliers, and exit.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Publish realistic traffic: many suppliers, bounces, retries, change orders, stale acks.

    Examples: potrack simulate --rate 100
    | potrack simulate --mode historical --count 50000 --rate 0
    | potrack simulate --write-partners .cache/partners.toml
    | potrack simulate --write-notify .cache/notify.toml --mail-port 2525
    | potrack simulate --write-sla .cache/sla.toml
    """
    from aiokafka.errors import KafkaError

    from services.kafka import KafkaAccessDenied, client_options, ensure_topics, with_broker_retry
    from services.runtime import run_services
    from services.simulate.suppliers import PortalSuppliers
    from services.simulate.traffic import generate, publish

    _check_together(ctx, mode)
    if write_notify is not None:
        from services.simulate.notify import notify_toml

        _write(write_notify, lambda: notify_toml(mail_port), "the notification rules")
        return
    if write_sla is not None:
        from services.simulate.policy import sla_toml

        _write(write_sla, sla_toml, "the SLA policy")
        return
    if write_partners is not None:
        from services.simulate.partners import partners_toml

        _write(write_partners, partners_toml, "the partners file")
        return
    if mode not in ("live", "historical"):
        fail(f"unknown mode {mode!r}: use live or historical", 2)
    s = settings()
    chosen = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    stream = generate(
        chosen,
        count,
        datetime.now(UTC),
        time_mode=mode,  # type: ignore[arg-type]
        days=days,
        live_rate=rate or 50.0,
        bad_fraction=bad_fraction,
        documents=documents,
        portal=mode == "live",
    )
    # Live: the portal suppliers answer through potrack's /portal pages (issue 13).
    token = s.api_token.get_secret_value() if s.api_token else None
    suppliers = PortalSuppliers(s.public_base(), token) if mode == "live" else None
    err.print(
        f"simulate: {count} events, seed {chosen}, {mode}, to {s.kafka_bootstrap_servers}"
        + (", with B2B documents" if documents else "")
        + (f", portal suppliers through {s.public_base()}/portal/" if suppliers else ""),
        highlight=False,
    )

    counts: dict[str, int] = {}
    unreachable: list[Exception] = []

    async def send(stop: asyncio.Event) -> None:
        try:
            # Topics first, with potrack's settings, rather than auto-created with the broker's.
            await with_broker_retry("create topics", lambda: ensure_topics(s), attempts=3)
            counts.update(
                await publish(
                    stream,
                    s.kafka_bootstrap_servers,
                    rate=rate or None,
                    topic_prefix=s.topic_prefix,
                    follow_event_time=mode == "live",
                    stop=stop,
                    on_visit=suppliers.visit if suppliers else None,
                    client=client_options(s),
                )
            )
        except (KafkaError, OSError) as exc:
            unreachable.append(exc)
        finally:
            if suppliers is not None:  # the visits under way end (or are dropped on stop)
                await suppliers.close(stop)
                counts.update(suppliers.outcomes)

    # SIGTERM/SIGINT end the traffic (services.runtime): what was sent is counted, exit 0.
    code = run_services(send)
    if unreachable and isinstance(unreachable[0], KafkaAccessDenied):
        fail(str(unreachable[0]))  # the broker answered and refused: it says why
    if unreachable:
        fail(f"cannot reach Kafka at {s.kafka_bootstrap_servers}: {unreachable[0]}")
    out.print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "sent 0")
    raise typer.Exit(code)


@app.command()
def schemas(
    check: Annotated[
        bool, typer.Option("--check", help="Only report stale files (exit 1).")
    ] = False,
) -> None:
    """Write the JSON Schemas, the AsyncAPI and the OpenAPI documents into schemas/.

    Example: potrack schemas --check
    """
    from services.api.openapi import DEFAULT_PATH, render_openapi
    from services.gateway.mapping.page import all_rows, render_markdown

    code = generate_main(["--check"] if check else [])
    root = DEFAULT_PATH.parents[1]
    generated = {
        DEFAULT_PATH: render_openapi(),
        root / "docs" / "b2b-mapping.md": render_markdown(all_rows()),
    }
    for path, text in generated.items():
        name = path.relative_to(root).as_posix()
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if check:
            err.print(f"stale: {name} (regenerate with: potrack schemas)")
            code = 1
        else:
            path.write_text(text, encoding="utf-8")
            out.print(f"wrote {name}")
    raise typer.Exit(code)
