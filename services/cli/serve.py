"""`potrack run`, `ingest`, `project` and `api`: the long-running services.

Each command imports the services it runs, so that the other commands start fast.
"""

import asyncio

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
def ingest() -> None:
    """Consume the inbound topics into the event store (exactly once), until SIGTERM.

    Example: POTRACK_STORE_URL=postgresql://potrack:pw@db/potrack potrack ingest
    """
    from services.ingest.consumer import Ingest
    from services.runtime import run_until_signalled

    s = settings()
    store = open_store(s, cache_size=50_000)
    try:
        asyncio.run(run_until_signalled(Ingest(s, store).run))
    finally:
        store.close()


@app.command()
def project(names: Names = None) -> None:
    """Run projection workers (all, or the named ones) and publish their outbound topics.

    Example: potrack project status alerts
    """
    from services.runtime import run_until_signalled
    from services.wiring import Projections

    s = settings()
    sla_policy(s)  # a bad policy file is one line, before anything starts
    chosen = check_names(names)
    store, db = open_store(s), open_views(s)
    try:
        asyncio.run(run_until_signalled(Projections(s, store, db, chosen).run))
    finally:
        store.close()
        db.close()


@app.command()
def api() -> None:
    """Serve the read API and the live dashboard (POTRACK_API_HOST:POTRACK_API_PORT).

    Example: POTRACK_API_PORT=8080 potrack api
    """
    from services.runtime import run_until_signalled
    from services.wiring import Api

    s = settings()
    sla_policy(s)  # a bad policy file is one line, before anything starts
    store, db = open_store(s), open_views(s)
    try:
        asyncio.run(run_until_signalled(Api(s, store, db).run))
    finally:
        store.close()
        db.close()


@app.command()
def notify() -> None:
    """Deliver alerts (po.alerts.v1) to people by the rules of POTRACK_NOTIFY_FILE: email,
    chat and webhooks through Apprise, reminders to suppliers, until SIGTERM.

    Example: POTRACK_NOTIFY_FILE=notify.toml potrack notify
    """
    from services.runtime import run_until_signalled
    from services.wiring import notifier

    s = settings()
    notify_rules(s)  # a bad rules file is one line, before anything starts
    store, db = open_store(s), open_views(s)
    try:
        asyncio.run(run_until_signalled(notifier(s, store, db).run))
    finally:
        store.close()
        db.close()


def notify_rules(s: Settings) -> None:
    """Exit 2 with one line when the notification rules file cannot be used."""
    from services.notify.rules import load_rules

    try:
        load_rules(s.notify_file)
    except ValueError as exc:
        fail(str(exc), 2)


@app.command()
def run() -> None:
    """Everything in one process: ingest (and its watermark), the B2B gateway, all
    projections, the notifier and the API.

    Example: potrack run   (then open http://127.0.0.1:8080/)
    """
    from services.cli.b2b import partners_of
    from services.gateway.service import Gateway
    from services.ingest.consumer import Ingest
    from services.runtime import run_until_signalled
    from services.wiring import Api, Projections, notifier

    s = settings()
    sla_policy(s)  # a bad policy file is one line, before anything starts
    notify_rules(s)
    partners = partners_of(s)
    store, db = open_store(s, cache_size=50_000), open_views(s)
    services = [
        Ingest(s, store, db=db).run,
        Gateway(s, db, partners).run,
        Projections(s, store, db, None).run,
        notifier(s, store, db).run,
        Api(s, store, db).run,
    ]
    err.print(f"potrack: dashboard on http://{s.api_host}:{s.api_port}/", highlight=False)
    try:
        asyncio.run(run_until_signalled(*services))
    finally:
        store.close()
        db.close()
