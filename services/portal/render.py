"""The portal's HTML from the Jinja2 templates in `services/portal/templates/` (issue 13).

Every value is escaped (autoescape on every template: a description, a supplier name or a
reason is data, never markup), no page has a script, and the stylesheet is served from
`services/portal/static/` (the Content-Security-Policy allows styles from this server
only). An undefined name in a template is an error, not an empty string.
"""

from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from services.portal.page import LINE_DECISIONS, PortalPage

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"portal.css": "text/css"}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("services.portal", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_html(page: PortalPage) -> str:
    """The page of one link: the order, its lines, the answers, the form when it is open."""
    return _environment().get_template("page.html").render(page=page, decisions=LINE_DECISIONS)


def message_html(title: str, text: str, hint: str | None = None) -> str:
    """A plain page that says one thing (a bad link, an unknown order, too many requests)."""
    return _environment().get_template("message.html").render(title=title, text=text, hint=hint)
