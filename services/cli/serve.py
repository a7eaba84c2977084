"""`potrack run`, `ingest`, `project` and `api`: the long-running services.

Each command imports the services it runs, so that the other commands start fast.
"""

import asyncio

from services.cli.common import (
    Names,
    app,
    check_names,
    err,
    open_store,
    open_views,
    settings,
    sla_policy,
)


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
def run() -> None:
    """Everything in one process: ingest, the B2B gateway, all projections, the alert
    clock and the API.

    Example: potrack run   (then open http://127.0.0.1:8080/)
    """
    from services.cli.b2b import partners_of
    from services.gateway.service import Gateway
    from services.ingest.consumer import Ingest
    from services.runtime import run_until_signalled
    from services.wiring import Api, Projections

    s = settings()
    sla_policy(s)  # a bad policy file is one line, before anything starts
    partners = partners_of(s)
    store, db = open_store(s, cache_size=50_000), open_views(s)
    services = [
        Ingest(s, store).run,
        Gateway(s, db, partners).run,
        Projections(s, store, db, None).run,
        Api(s, store, db).run,
    ]
    err.print(f"potrack: dashboard on http://{s.api_host}:{s.api_port}/", highlight=False)
    try:
        asyncio.run(run_until_signalled(*services))
    finally:
        store.close()
        db.close()
