"""`potrack run`, `ingest`, `project`, `api` and `notify`: the long-running services.

Each command imports the services it runs, so that the other commands start fast. Each
stops within seconds of SIGTERM or SIGINT, whatever it is doing (`services.runtime`): exit
0 after a clean stop, 1 when a service failed, 128 + the signal when the stop was forced.
"""

import socket

import typer

from services.cli.common import (
    Names,
    app,
    check_names,
    err,
    fail,
    open_store,
    open_views,
    settings,
    sla_policy,
)
from services.settings import Settings


@app.command()
def ingest(ctx: typer.Context) -> None:
    """Consume the inbound topics into the event store (exactly once), until SIGTERM.

    Example: POTRACK_STORE_URL=postgresql://potrack:pw@db/potrack potrack ingest
    """
    from services.heartbeat import Heartbeat
    from services.ingest.consumer import Ingest
    from services.runtime import handle_signals, run_services

    ctx.call_on_close(handle_signals())  # a signal stops it from now on (services.runtime)
    s = settings()
    store = open_store(s, cache_size=50_000)
    try:
        code = run_services(Ingest(s, store).run, Heartbeat(s, "ingest").run)
    finally:
        store.close()
    raise typer.Exit(code)


@app.command()
def project(ctx: typer.Context, names: Names = None) -> None:
    """Run projection workers (all, or the named ones) and publish their outbound topics.

    Example: potrack project status alerts
    """
    from services.heartbeat import Heartbeat
    from services.runtime import handle_signals, run_services
    from services.wiring import Projections

    ctx.call_on_close(handle_signals())  # a signal stops it from now on (services.runtime)
    s = settings()
    sla_policy(s)  # a bad policy file is one line, before anything starts
    chosen = check_names(names)
    store, db = open_store(s), open_views(s)
    try:
        beat = Heartbeat(s, "projections", db=db).run
        code = run_services(Projections(s, store, db, chosen).run, beat)
    finally:
        store.close()
        db.close()
    raise typer.Exit(code)


@app.command()
def api(ctx: typer.Context) -> None:
    """Serve the read API and the live dashboard (POTRACK_API_HOST:POTRACK_API_PORT).

    Example: POTRACK_API_PORT=8080 potrack api
    """
    from services.runtime import handle_signals, run_services
    from services.wiring import Api

    ctx.call_on_close(handle_signals())  # a signal stops it from now on (services.runtime)
    s = settings()
    sla_policy(s)  # a bad policy file is one line, before anything starts
    api_address_free(s)
    store, db = open_store(s), open_views(s)
    try:
        code = run_services(Api(s, store, db).run)
    finally:
        store.close()
        db.close()
    raise typer.Exit(code)


@app.command()
def notify(ctx: typer.Context) -> None:
    """Deliver alerts (po.alerts.v1) to people by the rules of POTRACK_NOTIFY_FILE: email,
    chat and webhooks through Apprise, reminders to suppliers, until SIGTERM.

    Example: POTRACK_NOTIFY_FILE=notify.toml potrack notify
    """
    from services.heartbeat import Heartbeat
    from services.runtime import handle_signals, run_services
    from services.wiring import notifier

    ctx.call_on_close(handle_signals())  # a signal stops it from now on (services.runtime)
    s = settings()
    notify_rules(s)  # a bad rules file is one line, before anything starts
    store, db = open_store(s), open_views(s)
    try:
        beat = Heartbeat(s, "notify", db=db).run
        code = run_services(notifier(s, store, db).run, beat)
    finally:
        store.close()
        db.close()
    raise typer.Exit(code)


def api_address_free(s: Settings) -> None:
    """Exit 1 with one line when the API cannot listen on POTRACK_API_HOST:POTRACK_API_PORT
    (a port in use, a host name that does not resolve), before anything starts; uvicorn
    would say so only after the other services had started, with a traceback."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            s.api_host, s.api_port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        fail(
            f"cannot serve the API on {s.api_host}:{s.api_port}: {exc.strerror or exc} "
            "(POTRACK_API_HOST, POTRACK_API_PORT)"
        )


def notify_rules(s: Settings) -> None:
    """Exit 2 with one line when the notification rules file cannot be used."""
    from services.notify.rules import load_rules

    try:
        load_rules(s.notify_file)
    except ValueError as exc:
        fail(str(exc), 2)


@app.command()
def run(ctx: typer.Context) -> None:
    """Everything in one process: ingest (and its watermark), the B2B gateway, all
    projections, the notifier and the API.

    Example: potrack run   (then open http://127.0.0.1:8080/)
    """
    from services.cli.b2b import partners_of
    from services.gateway.service import Gateway
    from services.heartbeat import PARTS, Heartbeat
    from services.ingest.consumer import Ingest
    from services.runtime import handle_signals, run_services
    from services.wiring import Api, Projections, notifier

    ctx.call_on_close(handle_signals())  # a signal stops it from now on (services.runtime)
    s = settings()
    sla_policy(s)  # a bad policy file is one line, before anything starts
    api_address_free(s)
    notify_rules(s)
    partners = partners_of(s)
    store, db = open_store(s, cache_size=50_000), open_views(s)
    services = [
        Ingest(s, store, db=db).run,
        Gateway(s, db, partners).run,
        Projections(s, store, db, None).run,
        notifier(s, store, db).run,
        Api(s, store, db).run,
        Heartbeat(s, *PARTS, db=db).run,  # the summary line, every POTRACK_LOG_SUMMARY_SECONDS
    ]
    err.print(f"potrack: dashboard on http://{s.api_host}:{s.api_port}/", highlight=False)
    try:
        code = run_services(*services)
    finally:
        store.close()
        db.close()
    raise typer.Exit(code)
