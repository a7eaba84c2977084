"""Human output of the CLI: a status view as rich tables."""

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from schemas.views import StatusView


def _t(value: object) -> str:
    if value is None:
        return "-"
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else str(value)


def _short(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%m-%d %H:%M") if value else "-"


def print_view(view: StatusView, console: Console) -> None:
    head = Table.grid(padding=(0, 2))
    head.add_row("PO", f"[bold]{view.po_number}[/bold]")
    head.add_row(
        "status", f"[bold]{view.status}[/bold]" + ("  [red]OVERDUE[/red]" if view.overdue else "")
    )
    head.add_row("revision", _t(view.revision))
    head.add_row("supplier", f"{_t(view.supplier_id)} {view.supplier_name or ''}".strip())
    head.add_row("amount", f"{_t(view.total_amount)} {view.currency or ''}".strip())
    head.add_row("version", str(view.version))
    head.add_row("updated", _t(view.updated_at))
    for stale in view.stale_acknowledgments:
        head.add_row("stale ack", f"{stale.recipient} acknowledged revision {stale.revision}")
    for anomaly in view.anomalies:
        head.add_row("anomaly", f"{anomaly.type} {_t(anomaly.time)} ({anomaly.id}): {anomaly.note}")
    console.print(head)
    table = Table(title=f"recipients of revision {_t(view.revision)} (UTC)")
    for col in ("recipient", "via", "status", "sent", "delivered", "received", "acked", "failure"):
        table.add_column(col)
    for r in view.recipients:
        failure = f"{r.failure.code or ''} {r.failure.reason or ''}".strip() if r.failure else "-"
        table.add_row(
            f"{r.id} ({r.kind})",
            r.channel,
            r.status,
            _short(r.sent_at),
            _short(r.delivered_at),
            _short(r.received_at),
            _short(r.acknowledged_at),
            failure,
        )
    console.print(table)


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
