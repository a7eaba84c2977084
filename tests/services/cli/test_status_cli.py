"""The human `potrack status` shows what the JSON shows: every field of the status view."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from projections.runner import Runner
from projections.views.status import StatusProjection
from schemas.views import Anomaly, Failure, RecipientView, StaleAcknowledgment, StatusView
from services.cli import app
from services.cli.render import HEAD_FIELDS, print_view
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import PO, approved, delivered, sent

AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


def shown(view: StatusView) -> str:
    console = Console(record=True, width=200)
    print_view(view, console)
    return console.export_text()


def test_every_field_of_the_view_has_a_place_in_the_human_form() -> None:
    assert set(HEAD_FIELDS) == set(StatusView.model_fields)


def test_the_human_form_shows_every_value_of_the_view() -> None:
    view = StatusView(
        po_number="PO-7",
        revision=2,
        status="changes_proposed",
        supplier_id="SUP-9",
        supplier_name="Kobe Steel",
        buyer_id="BUYER-3",
        currency="JPY",
        total_amount=Decimal("1234567"),
        acknowledgment_required=True,
        overdue=True,
        stale_acknowledgments=[StaleAcknowledgment(recipient="S2", revision=1)],
        version=9,
        updated_at=AT,
        approved_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        cancelled_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
        anomalies=[Anomaly(source="urn:x", id="e-1", type="po.sent", time=AT, note="odd")],
        recipients=[
            RecipientView(
                id="S1",
                kind="supplier",
                channel="edi",
                status="failed",
                sent_at=AT,
                decision="accepted_with_changes",
                failure=Failure(
                    permanent=True, at=AT, code="5.1.1", reason="no such user", message_id="m-42"
                ),
                address="orders@kobe.example",
                supplier_reference="SO-77",
                within_tolerance=False,
            )
        ],
    )

    text = shown(view)

    for expected in (
        "PO-7",
        "changes_proposed",
        "overdue       YES",
        "SUP-9 Kobe Steel",
        "BUYER-3",
        "1234567 JPY",
        "ack required  yes",
        "approved      2026-03-01T08:00:00+00:00",
        "cancelled     2026-03-03T08:00:00+00:00",
        "version       9",
        "S2 acknowledged revision 1",
        "po.sent",
        "odd",
        "accepted_with_changes",
        "permanent 5.1.1 no such user",
        "address orders@kobe.example",
        "supplier reference SO-77",
        "failed at 2026-03-02T10:30:00+00:00 (message m-42)",
        "within tolerance: no",
    ):
        assert expected in text, expected


def test_potrack_status_has_an_overdue_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    store, db = EventStore(url), ViewDB(url)
    store.record([approved(time=0), sent("S1", time=1), delivered("S1", time=2)], {}, "g")
    Runner(StatusProjection(), store, db).step()
    store.close()
    db.close()

    result = CliRunner().invoke(app, ["status", PO], env={"POTRACK_STORE_URL": url})

    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["overdue", "no"] in lines
    assert ["ack", "required", "yes"] in lines
