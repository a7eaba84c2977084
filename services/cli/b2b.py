"""`potrack gateway` and `potrack translate`: raw B2B documents (docs/contract.md §2b, §7)."""

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from schemas.events import CONTENT_TYPE_OF_FORMAT
from services.cli.common import app, err, fail, out, redact, settings
from services.gateway.partners import Partners
from services.settings import Settings

if TYPE_CHECKING:
    from services.gateway.translate import Correlation, Incoming, Translation


def partners_of(s: Settings) -> Partners:
    """The trading partners of the settings, or exit 2 with one line."""
    try:
        return s.partners()
    except ValueError as exc:
        fail(str(exc), 2)


@app.command()
def gateway(ctx: typer.Context) -> None:
    """Translate raw B2B documents from po.documents.v1 into the inbound topics, until SIGTERM.

    Example: POTRACK_PARTNERS_FILE=partners.toml potrack gateway
    """
    from services.cli.common import open_views
    from services.gateway.service import Gateway
    from services.heartbeat import Heartbeat
    from services.runtime import handle_signals, run_services

    ctx.call_on_close(handle_signals())  # a signal stops it from now on (services.runtime)
    s = settings()
    partners = partners_of(s)
    db = open_views(s)
    try:
        beat = Heartbeat(s, "gateway", db=db).run
        code = run_services(Gateway(s, db, partners).run, beat)
    finally:
        db.close()
    raise typer.Exit(code)


@app.command()
def translate(
    files: Annotated[list[Path], typer.Argument(help="Documents: X12, EDIFACT, cXML or email.")],
    partner: Annotated[
        str | None, typer.Option(help="The trading partner id, as a potrack-partner header.")
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Put the documents on po.documents.v1 instead.")
    ] = False,
) -> None:
    """Print the events each document becomes (one JSON per line), or publish the documents.

    Exit 1 with the reason when a document cannot be translated (the gateway would
    dead-letter it, or wait for the po.sent it answers). The format comes from the
    content (ISA, UNA/UNB, XML, else an email).

    Examples: potrack translate 855.x12 --partner KOBE-EDI | potrack translate dsn.eml --publish
    """
    from services.gateway.statements import DocumentError
    from services.gateway.translate import Incoming, check_size, document_format

    s = settings()
    partners = partners_of(s)
    if partner is not None and partner not in partners.by_id:
        fail(f"unknown partner {partner!r}: not in POTRACK_PARTNERS_FILE", 2)
    documents: list[tuple[Path, bytes]] = []
    for path in files:
        try:
            check_size(path.stat().st_size, s.max_document_bytes)  # as the gateway does
            documents.append((path, path.read_bytes()))
        except OSError as exc:
            fail(f"{path}: cannot read it: {exc.strerror or exc}", 2)
        except DocumentError as exc:
            fail(f"{path}: {exc}")
    if publish:
        _publish(s, documents, partner)
        return
    failed = 0
    with _lookup(s) as lookup:
        for path, body in documents:
            incoming = Incoming(body=body, partner=partner)
            try:
                document_format(incoming)
                translation = _translate(incoming, partners, lookup)
            except ValueError as exc:  # DocumentError, Uncorrelated's reason
                err.print(f"[red]error:[/red] {path}: {exc}", highlight=False)
                failed += 1
                continue
            for _, event in translation.events:
                out.print(json.dumps(event, separators=(",", ":")), highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def _translate(incoming: "Incoming", partners: Partners, lookup: "Correlation") -> "Translation":
    from services.gateway.translate import Uncorrelated, translate

    try:
        return translate(incoming, partners, lookup)
    except Uncorrelated as exc:
        raise ValueError(f"{exc} (the gateway retries it within the correlation window)") from exc


@contextmanager
def _lookup(s: Settings) -> Iterator["Correlation"]:
    """The sent messages of the views database when one exists; never creates one."""
    from services.gateway.lookup import NothingSent, SentLookup
    from services.store.urls import is_postgres, sqlite_path
    from services.store.views import ViewDB

    url = s.store_url
    if not is_postgres(url) and not Path(sqlite_path(url)).is_file():
        yield NothingSent()
        return
    try:
        db = ViewDB(url)
    except Exception as exc:
        fail(f"cannot open the views database {redact(url)}: {exc}")
    try:
        with db.read() as tx:
            yield SentLookup(tx)
    finally:
        db.close()


def _publish(s: Settings, documents: list[tuple[Path, bytes]], partner: str | None) -> None:
    from aiokafka.errors import KafkaError

    from services.gateway.publish import DocumentPublisher
    from services.gateway.translate import Incoming, document_format
    from services.kafka import KafkaAccessDenied

    async def send() -> list[tuple[Path, int, int]]:
        publisher = DocumentPublisher(s)
        placed = []
        try:
            for path, body in documents:
                fmt = document_format(Incoming(body=body))
                partition, offset = await asyncio.wait_for(
                    publisher.publish(body, CONTENT_TYPE_OF_FORMAT[fmt], partner), 30
                )
                placed.append((path, partition, offset))
        finally:
            await publisher.close()
        return placed

    try:
        placed = asyncio.run(send())
    except KafkaAccessDenied as exc:  # the broker answered and refused: it says why
        fail(str(exc))
    except (KafkaError, OSError, TimeoutError) as exc:
        fail(f"cannot reach Kafka at {s.kafka_bootstrap_servers}: {exc or type(exc).__name__}")
    for path, partition, offset in placed:
        out.print(f"{path}: po.documents.v1 partition {partition} offset {offset}", highlight=False)
