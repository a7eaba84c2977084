"""`potrack portal-link PO RECIPIENT`: a supplier recipient's link to the portal
(docs/contract.md §7, issue 13 item 1), for the system that sends the PO."""

import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from services.cli.common import app, fail, open_store, settings


@app.command("portal-link")
def portal_link(
    po_number: Annotated[str, typer.Argument(help="The PO number.")],
    recipient: Annotated[str, typer.Argument(help="A supplier recipient id of its plan.")],
    revision: Annotated[
        int | None,
        typer.Option(min=1, help="The revision to answer (default: the current one)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print url, revision and expires_at as JSON.")
    ] = False,
) -> None:
    """Print the portal link of a supplier recipient of a PO: its page shows that revision
    and takes the recipient's answer, without a login, for POTRACK_PORTAL_LINK_DAYS days.

    Example: POTRACK_PORTAL_SECRET=... potrack portal-link PO-2026-000123 sup-acme
    """
    from services.portal.issuing import NoLink, link_for

    s = settings()
    if s.portal_secret is None:
        fail("POTRACK_PORTAL_SECRET is not set: the portal is off, so there is no link", 2)
    store = open_store(s, create=False)
    try:
        aggregate = store.get(po_number)
    finally:
        store.close()
    if aggregate is None:
        fail(f"unknown PO {po_number!r}: no event recorded for it")
    try:
        link = link_for(
            aggregate.state,
            recipient,
            revision,
            secret=s.portal_secret.get_secret_value(),
            base_url=s.public_base(),
            now=datetime.now(UTC),
            days=s.portal_link_days,
        )
    except NoLink as exc:
        fail(str(exc))
    if as_json:
        found = {
            "po_number": po_number,
            "recipient": recipient,
            "revision": link.claim.revision,
            "url": link.url,
            "expires_at": link.claim.expires_at.isoformat().replace("+00:00", "Z"),
        }
        sys.stdout.write(json.dumps(found, indent=2) + "\n")
    else:
        sys.stdout.write(
            f"{link.url}\nrevision {link.claim.revision}, valid until "
            f"{link.claim.expires_at:%Y-%m-%d %H:%M} UTC\n"
        )
