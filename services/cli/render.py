"""Human output of the CLI: a status view, an audit trail and a cash forecast as rich tables."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from schemas.status import RecipientKind
from schemas.views import Amounts, CashForecast, LineDeviation, RecipientView, StatusView


def _t(value: object) -> str:
    if value is None:
        return "-"
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else str(value)


def _short(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%m-%d %H:%M") if value else "-"


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


# Every field of the status view (`schemas.views.StatusView`) and where the human form
# shows it: a head line (the label) or the recipients table. A test holds this to the model,
# so a field added to the view is added here too.
HEAD_FIELDS = {
    "po_number": "PO",
    "status": "status",
    "overdue": "overdue",
    "revision": "revision",
    "supplier_id": "supplier",
    "supplier_name": "supplier",
    "buyer_id": "buyer",
    "total_amount": "amount",
    "currency": "amount",
    "acknowledgment_required": "ack required",
    "approved_at": "approved",
    "cancelled_at": "cancelled",
    "version": "version",
    "updated_at": "updated",
    "stale_acknowledgments": "stale ack",
    "anomalies": "anomaly",
    "recipients": "recipients of revision",
}


def print_view(view: StatusView, console: Console) -> None:
    """The status view for a person: every field of the JSON (`HEAD_FIELDS`), then the
    recipients table (`print_recipients`). Values are text, never Rich markup."""
    head = Table.grid(padding=(0, 2))

    def row(label: str, value: str, style: str = "") -> None:
        head.add_row(label, Text(value, style=style))

    row("PO", view.po_number, "bold")
    row("status", view.status, "bold")
    row(
        "overdue",
        "YES: a delivery or acknowledgment is past its deadline" if view.overdue else "no",
        "bold red" if view.overdue else "",
    )
    row("revision", _t(view.revision))
    row("supplier", f"{_t(view.supplier_id)} {view.supplier_name or ''}".strip())
    row("buyer", _t(view.buyer_id))
    row("amount", f"{_t(view.total_amount)} {view.currency or ''}".strip())
    row("ack required", _yes(view.acknowledgment_required))
    row("approved", _t(view.approved_at))
    if view.cancelled_at is not None:
        row("cancelled", _t(view.cancelled_at), "bold")
    row("version", str(view.version))
    row("updated", _t(view.updated_at))
    for stale in view.stale_acknowledgments:
        row("stale ack", f"{stale.recipient} acknowledged revision {stale.revision}")
    for anomaly in view.anomalies:
        row("anomaly", f"{anomaly.type} {_t(anomaly.time)} ({anomaly.id}): {anomaly.note}")
    console.print(head)
    print_recipients(view, console)


RECIPIENT_COLUMNS = (
    "recipient",
    "via",
    "status",
    "sent",
    "delivered",
    "received",
    "acked",
    "decision",
    "failure",
)


def _recipient_cells(r: RecipientView) -> list[str]:
    failure = "-"
    if r.failure:
        said = f"{r.failure.code or ''} {r.failure.reason or ''}".strip()
        failure = f"{'permanent' if r.failure.permanent else 'temporary'} {said}".strip()
    return [
        f"{r.id} ({r.kind})",
        r.channel,
        r.status,
        _short(r.sent_at),
        _short(r.delivered_at),
        _short(r.received_at),
        _short(r.acknowledged_at),
        _t(r.decision),
        failure,
    ]


def _recipient_details(r: RecipientView) -> list[str]:
    """What the table has no column for: address, the supplier's reference, the failure's
    time and message, and whether the changes are within tolerance."""
    parts = []
    if r.address:
        parts.append(f"address {r.address}")
    if r.supplier_reference:
        parts.append(f"supplier reference {r.supplier_reference}")
    if r.failure:
        message = f" (message {r.failure.message_id})" if r.failure.message_id else ""
        parts.append(f"failed at {_t(r.failure.at)}{message}")
    if r.within_tolerance is not None:
        parts.append(f"within tolerance: {_yes(r.within_tolerance)}")
    return ["; ".join(parts)] if parts else []


def _row_table(widths: list[int], header: bool, title: str | None = None) -> Table:
    """One piece of the recipients table: the same columns and widths in every piece, so
    that the pieces line up as one table with lines printed between its rows."""
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_header=header,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
    )
    for name, width in zip(RECIPIENT_COLUMNS, widths, strict=True):
        table.add_column(name, width=width)
    return table


def print_recipients(view: StatusView, console: Console) -> None:
    """The recipients of the current revision, one row each (times in UTC); under a
    recipient's row, its address, reference and failure details, and for a supplier
    recipient what its acknowledgment changed line by line (`deviation_text`)."""
    rows = [_recipient_cells(r) for r in view.recipients]
    widths = [
        max(cell_len(c) for c in column) for column in zip(RECIPIENT_COLUMNS, *rows, strict=True)
    ]
    console.print(
        _row_table(widths, header=True, title=f"recipients of revision {_t(view.revision)} (UTC)")
    )
    for r, cells in zip(view.recipients, rows, strict=True):
        row = _row_table(widths, header=False)
        row.add_row(*(Text(c) for c in cells))
        console.print(row)
        for line in _recipient_details(r) + deviation_lines(r):
            console.print(Padding(Text(line), (0, 0, 0, 4)))  # wrapped lines stay indented


def deviation_lines(r: RecipientView) -> list[str]:
    """What a supplier recipient's counting acknowledgment changed, one text per line
    (nothing for internal recipients or an acknowledgment as ordered)."""
    if r.kind is not RecipientKind.SUPPLIER:
        return []
    lines = [deviation_text(d) for d in r.deviations]
    if not lines and r.within_tolerance is False:
        lines.append("changes proposed without line detail: outside tolerance")
    return lines


def _n(value: Decimal | date | None) -> str:
    return "-" if value is None else str(value)


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f" ({value:+}%)"


def deviation_text(d: LineDeviation) -> str:
    """One line's deviation for a person, naming only what differs: `line 1 BOLT-8
    changed: quantity 7 → 6 (-14.29%), need-by 2026-01-10 → promised 2026-01-12 (+2
    days); outside: quantity, date` (exact decimals, never rounded)."""
    parts = []
    if d.quantity_change or d.decision in ("rejected", "missing", "unknown"):
        parts.append(
            f"quantity {_n(d.ordered_quantity)} → {_n(d.confirmed_quantity)}"
            + _pct(d.quantity_change_pct)
        )
    if d.backordered_quantity is not None:
        parts.append(f"{d.backordered_quantity} backordered")
    if d.unit_price_change:
        parts.append(
            f"unit price {_n(d.ordered_unit_price)} → {_n(d.confirmed_unit_price)}"
            + _pct(d.unit_price_change_pct)
        )
    if d.days or (d.decision == "backordered" and d.promised_date is None):
        days = "" if d.days is None else f" ({d.days:+d} day{'' if abs(d.days) == 1 else 's'})"
        parts.append(f"need-by {_n(d.need_by)} → promised {_n(d.promised_date)}{days}")
    judged = (
        "within tolerance"
        if d.within_tolerance
        else "outside: " + ", ".join(check.replace("_", " ") for check in d.outside)
    )
    sku = f" {d.sku}" if d.sku else ""
    said = f": {', '.join(parts)}" if parts else ""
    return f"line {d.line}{sku} {d.decision}{said}; {judged}"


def print_audit(entries: list[dict[str, Any]], console: Console) -> None:
    table = Table(title=f"audit trail of {entries[0]['po_number']}" if entries else "audit trail")
    for col in (
        "#",
        "event time",
        "type",
        "revision",
        "recipient",
        "source / id",
        "anomalies",
        "hash",
    ):
        table.add_column(col)
    for e in entries:
        data = e.get("data") or {}
        table.add_row(
            str(e["seq"]),
            str(e["time"]),
            str(e["type"]),
            str(data.get("revision", "-")),
            str(data.get("recipient", "-")),
            f"{e['source']} / {e['id']}",
            "; ".join(e.get("anomalies") or ()) or "-",
            str(e["hash"])[:12],
        )
    console.print(table)


AMOUNT_COLUMNS = ("confirmed", "open", "disputed", "total")


def _amounts(a: Amounts) -> list[Text]:
    # str(Decimal) is the JSON's text of the amount: exact, never rounded or re-formatted.
    return [Text(str(getattr(a, name))) for name in AMOUNT_COLUMNS] + [Text(str(a.commitments))]


def print_forecast(found: CashForecast, console: Console) -> None:
    """A table per currency: a row per bucket (first..last day), then what falls earlier,
    later or undated, and the totals; amounts exactly as the forecast gives them."""
    when = f" as of {_t(found.as_of)}" if found.as_of else ""
    if not found.currencies:
        console.print(f"no commitments to forecast{when}", highlight=False)
        return
    before = f"earlier (before {found.start})" if found.start else "earlier"
    after = f"later (after {found.end})" if found.end else "later"
    for cur in found.currencies:
        units = "no ISO minor units" if cur.minor_units is None else f"{cur.minor_units} decimals"
        table = Table(
            title=f"{cur.currency} ({units}): expected payments by {found.bucket}{when}",
            title_justify="left",
        )
        table.add_column("period", no_wrap=True)
        for name in (*AMOUNT_COLUMNS, "commitments"):
            # Fold (never cut with an ellipsis) an amount wider than a narrow terminal.
            table.add_column(name, justify="right", overflow="fold")
        for b in cur.buckets:
            table.add_row(Text(f"{b.start} .. {b.end}"), *_amounts(b))
        table.add_row(Text(before), *_amounts(cur.earlier))
        table.add_row(Text(after), *_amounts(cur.later))
        table.add_row(Text("undated"), *_amounts(cur.undated), end_section=True)
        table.add_row(Text("totals", style="bold"), *_amounts(cur.totals), style="bold")
        console.print(table)
