"""Messages for people: a title, plain text and HTML from the Jinja2 templates in
`services/notify/templates/` (HTML autoescaped: every field of an alert is data, never
markup). One message lists one or more notices (a digest lists several).

`notification` goes to buyers and to Apprise URLs: what happened or is late, since when,
which supplier and recipient, the PO and revision, and a link to the PO page
(`{public_url}/ui/po/{po}`). `reminder` goes to a supplier: the order acknowledgment it
owes, for which PO and revision, due since when, and the buyer to ask; no internal link.
With a portal secret (POTRACK_PORTAL_SECRET, issue 13 item 1) each line of a reminder
carries that recipient's signed portal link (`{public_url}/portal/{token}`) for the
alert's revision, issued at the sending time; buyers and Apprise URLs never get one.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from services.notify.notice import Notice
from services.notify.targets import Message
from services.portal.links import DEFAULT_DAYS, issue

MOST_LINES = 200  # a digest lists at most this many; the rest is counted ("and 12 more")
WORDS = {
    "delivery_overdue": "delivery overdue",
    "delivery_failed": "delivery failed",
    "acknowledgment_overdue": "acknowledgment overdue",
    "acknowledgment_rejected": "rejected by the supplier",
    "changes_proposed": "changes proposed",
    "stale_acknowledgment": "acknowledgment of an older revision",
    "receipt_overdue": "functional acknowledgment overdue",
}
# What happened, for people; {who} is the recipient, {po} "PO-1 (revision 2)".
RAISED = {
    "delivery_overdue": "{po} has not reached {who}; delivery was due {due}.",
    "delivery_failed": "Delivery of {po} to {who} failed ({raised}).",
    "acknowledgment_overdue": "{who} has not acknowledged {po}; the acknowledgment was due {due}.",
    "acknowledgment_rejected": "{who} rejected {po} ({raised}).",
    "changes_proposed": "{who} accepted {po} with changes ({raised}).",
    "stale_acknowledgment": "{who} last acknowledged an older revision than {po} ({raised}).",
    "receipt_overdue": "{who} has not confirmed receipt of {po} (997/999/CONTRL); it was due"
    " {due}.",
}
REMINDED = {
    "acknowledgment_overdue": "Your order acknowledgment was due {due}.",
    "stale_acknowledgment": "We have your acknowledgment of an earlier revision only; this"
    " revision awaits yours since {raised}.",
}


def when(time: datetime | None) -> str:
    """An instant for people: `2026-11-02 09:00 UTC` ('unknown' for None)."""
    return time.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if time else "unknown"


@dataclass(frozen=True)
class Line:
    """One notice as the templates show it (plain text; the HTML templates escape it)."""

    headline: str
    sentence: str
    detail: str | None
    level: int
    po_number: str
    revision: int
    supplier: str
    recipient: str
    alert_id: str
    link: str
    portal: str | None = None  # the recipient's portal link (reminders only)


@dataclass(frozen=True)
class PortalLinks:
    """What a reminder needs to carry a portal link: the server's secret
    (POTRACK_PORTAL_SECRET) and how many days a link stays good (POTRACK_PORTAL_LINK_DAYS)."""

    secret: str
    days: int = DEFAULT_DAYS

    def url(self, notice: Notice, public_url: str, now: datetime) -> str | None:
        """The signed link of the alert's recipient for the alert's revision, valid from
        `now` (the sending time); None when the alert names no recipient. The alert's
        revision is the PO's current one whenever a reminder goes out: a newer revision
        resolves the alert and the flusher withdraws its reminders unsent."""
        a = notice.alert
        if not a.recipient:
            return None
        link = issue(
            self.secret,
            a.po_number,
            a.revision,
            a.recipient,
            base_url=public_url,
            now=now,
            days=self.days,
        )
        return link.url


def line_of(notice: Notice, message: Message, public_url: str, portal: str | None = None) -> Line:
    """The line of one notice in a message of kind `message`; `portal` is the recipient's
    portal link (a reminder's lines only)."""
    a = notice.alert
    named = f"({notice.supplier_name})" if notice.supplier_name else None
    supplier = " ".join(filter(None, [a.supplier_id, named]))
    fields = {
        "who": a.recipient or "the recipient",
        "po": f"purchase order {a.po_number} (revision {a.revision})",
        "due": when(a.due_at or a.raised_at),
        "raised": when(a.raised_at),
    }
    if message == "reminder":
        sentence = REMINDED.get(a.kind, RAISED[a.kind]).format(**fields)
    elif notice.transition == "resolved":
        sentence = (
            f"Resolved {when(a.resolved_at)}: {WORDS[a.kind]} for {fields['who']} on"
            f" {fields['po']}, open since {fields['raised']}."
        )
    else:
        sentence = RAISED[a.kind].format(**fields)
    level = f" · escalation level {a.escalation_level}" if a.escalation_level > 1 else ""
    state = " · resolved" if notice.transition == "resolved" else f" · {a.severity}{level}"
    return Line(
        headline=f"{a.po_number} r{a.revision} · {WORDS[a.kind]}{state}",
        sentence=sentence,
        detail=a.detail,
        level=a.escalation_level,
        po_number=a.po_number,
        revision=a.revision,
        supplier=supplier or "unknown",
        recipient=a.recipient or "-",
        alert_id=a.alert_id,
        link=f"{public_url.rstrip('/')}/ui/po/{quote(a.po_number, safe='')}",
        portal=portal if message == "reminder" else None,
    )


@dataclass(frozen=True)
class Rendered:
    """A message: title, plain text, HTML and Apprise's notify type (info, success,
    warning, failure)."""

    title: str
    text: str
    html: str
    kind: str


class Renderer:
    """The Jinja2 templates, loaded once; `render` is pure given them. With `portal`,
    reminders carry each recipient's portal link; without, they are as before."""

    def __init__(self, public_url: str, portal: PortalLinks | None = None) -> None:
        self.public_url = public_url
        self.portal = portal
        self.env = Environment(
            loader=PackageLoader("services.notify", "templates"),
            autoescape=select_autoescape(["html"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def render(
        self, message: Message, notices: list[Notice], now: datetime | None = None
    ) -> Rendered:
        """The message of kind `message` listing `notices` (at least one), sent at `now`
        (default: the current time; a reminder's portal links are issued then)."""
        at = now or datetime.now(UTC)
        lines = [
            line_of(n, message, self.public_url, self._portal(message, n, at))
            for n in notices[:MOST_LINES]
        ]
        more = max(0, len(notices) - MOST_LINES)
        buyers = sorted({n.buyer_email for n in notices if n.buyer_email})
        suppliers = sorted({n.supplier_name or n.alert.supplier_id or "" for n in notices} - {""})
        values = {
            "lines": lines,
            "more": more,
            "total": len(notices),
            "buyers": buyers,
            "supplier": suppliers[0] if len(suppliers) == 1 else None,
            "dashboard": self.public_url.rstrip("/") + "/",
            "portal": any(line.portal for line in lines),
        }
        text = self.env.get_template(f"{message}.txt").render(values)
        html = self.env.get_template(f"{message}.html").render(values)
        return Rendered(_title(message, notices, lines), text, html, _kind(notices))

    def _portal(self, message: Message, notice: Notice, now: datetime) -> str | None:
        if message != "reminder" or self.portal is None:
            return None
        return self.portal.url(notice, self.public_url, now)


def _title(message: Message, notices: list[Notice], lines: list[Line]) -> str:
    pos = sorted({n.alert.po_number for n in notices})
    orders = f"{len(pos)} purchase orders" if len(pos) > 1 else f"purchase order {pos[0]}"
    if message == "reminder":
        urgent = "Urgent reminder" if max(line.level for line in lines) > 1 else "Reminder"
        return f"{urgent}: order acknowledgment due for {orders}"
    if len(notices) == 1:
        return f"[potrack] {lines[0].headline}"
    return f"[potrack] {len(notices)} alert updates on {orders}"


def _kind(notices: list[Notice]) -> str:
    raised = [n.alert for n in notices if n.transition == "raised"]
    if any(a.severity == "critical" for a in raised):
        return "failure"
    return "warning" if raised else "success"
