"""Delivery through Apprise: one message to one target URL (email, chat, webhook).

A service that takes HTML (email) gets the HTML of the message (Apprise adds a plain-text
alternative made from it); any other service gets the plain text. Success is Apprise's
word that the service accepted the message: an SMTP server's 250, an HTTP 2xx.
"""

import apprise

from services.notify.render import Rendered
from services.notify.rules import quiet_apprise

TIMEOUT = 30.0  # seconds for one message, connection and answer included


async def send(url: str, message: Rendered, timeout: float = TIMEOUT) -> str | None:
    """Send `message` to the Apprise `url`; None once delivered, else why not (Apprise's
    words, which name hosts but no password). Never raises for a failed delivery."""
    quiet_apprise()
    service = apprise.Apprise()
    if not service.add(url):
        return "Apprise cannot use this URL"
    html = service[0].resolve_format() == apprise.NotifyFormat.HTML
    result = await service.async_notify(
        body=message.html if html else message.text,
        title=message.title,
        body_format=apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT,
        notify_type=apprise.NotifyType(message.kind),
        timeout=timeout,
    )
    if result:
        return None
    reasons = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
    return "; ".join(dict.fromkeys(reasons))[:300] or "the service did not accept the message"
