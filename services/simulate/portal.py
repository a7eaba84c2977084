"""The simulated portal suppliers of live traffic answer through potrack's own portal
(issue 13 item 5), as a person would: get the link the way the sending system does
(`GET {api}/pos/{po}/portal-links`, retried while the PO is not projected yet), open it
(`GET /portal/{token}`: that view is the `po.received`), and for an answer submit the
form (`POST /portal/{token}`, the fields of the form contract, the page's hidden `csrf`
and its cookies) with the line answers the script decided. A supplier that cannot get
its link, or whose answer the portal refuses, logs one warning line and does nothing
more (a supplier who never answers): the simulator itself never fails for it.

HTTP goes through the standard library's `urllib.request` (with `http.cookiejar`):
httpx is only a development dependency and requests only comes with Apprise, and a few
plain requests a second need nothing more. The page is read with lxml (a dependency).
The form and the link are pure functions (`form_fields`, `csrf_of`, `pick_link`).
"""

import contextlib
import json
import logging
from http.cookiejar import CookieJar
from typing import Any
from urllib.error import HTTPError
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, OpenerDirector, build_opener

import lxml.etree
import lxml.html

# Seconds between link requests (about a minute in all: `make run` starts the traffic
# while potrack starts and takes in the back-filled month).
RETRIES = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
TIMEOUT = 5.0  # per HTTP request, seconds
LINE_FIELDS = ("quantity", "unit_price", "promised_date")


class NotYet(Exception):
    """The PO (or this revision of it) is not projected yet: ask again later."""


class GaveUp(Exception):
    """Why a supplier does nothing more; `level` is how the simulator logs it (a
    `logging` level: WARNING, or INFO for what the portal refuses by design)."""

    def __init__(self, reason: str, level: int = logging.WARNING) -> None:
        super().__init__(reason)
        self.level = level


def form_fields(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """The form fields (form contract of issue 13) of a scripted `po.acknowledged` data:
    `decision`, `supplier_reference` and `reason` when given, and per answered line N
    `line-N-decision` and its `line-N-quantity`, `-unit_price`, `-promised_date` when
    given. Without `csrf` (it comes from the page). KeyError when `decision` is missing."""
    fields = [("decision", str(answer["decision"]))]
    fields += [(k, str(answer[k])) for k in ("supplier_reference", "reason") if answer.get(k)]
    for line in answer.get("lines") or ():
        prefix = f"line-{line['line']}-"
        fields.append((prefix + "decision", str(line["decision"])))
        fields += [(prefix + k, str(line[k])) for k in LINE_FIELDS if line.get(k) is not None]
    return fields


def csrf_of(page: bytes) -> str:
    """The value of the page's hidden `csrf` input; GaveUp (INFO) when the page has
    none: it takes no answer (a newer revision exists, or the PO was cancelled)."""
    try:
        values = lxml.html.document_fromstring(page).xpath('//input[@name="csrf"]/@value')
    except (ValueError, lxml.etree.ParserError) as exc:
        raise GaveUp(f"the portal page is not HTML: {exc}") from exc
    if not values:  # the revision was superseded or the PO cancelled since the link came
        raise GaveUp("the page takes no answer (no form with a csrf field)", logging.INFO)
    return str(values[0])


def pick_link(links: dict[str, Any], recipient: str, revision: int) -> str:
    """The url of `recipient` in a `GET /pos/{po}/portal-links` answer for `revision`.
    NotYet while the answer is of an older revision (the change order is not projected
    yet); GaveUp for a newer one (a stale answer: the portal takes none for an old
    revision, and the supplier has only the old link) or when no link names `recipient`."""
    current = links.get("revision")
    if current is None:  # events of the PO came before its approval (late arrival)
        raise NotYet("the PO's approval is not recorded yet")
    if not isinstance(current, int):
        raise GaveUp(f"the portal links name no revision ({current!r})")
    if current < revision:
        raise NotYet(f"revision {revision} is not projected yet (at {current})")
    if current > revision:
        raise GaveUp(f"revision {revision} is superseded by {current}", level=logging.INFO)
    for link in links.get("links") or ():
        if isinstance(link, dict) and link.get("recipient") == recipient and link.get("url"):
            return str(link["url"])
    raise GaveUp(f"no portal link for recipient {recipient}")


class _NoRedirect(HTTPRedirectHandler):
    """The portal's 303 after an answer is its success: it is not followed (HTTPError)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def opener() -> OpenerDirector:
    """A client that keeps the portal's cookies between its GET and its POST."""
    return build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect())


def detail(error: HTTPError) -> str:
    """An HTTP error for the log: its status and what its body says (a JSON `detail`, or
    the text of an HTML page), in at most 200 characters."""
    try:
        body = error.read(4000).decode("utf-8", "replace")
    except OSError:
        body = ""
    said = body
    try:
        said = str(json.loads(body)["detail"])
    except (ValueError, KeyError, TypeError):
        if body.lstrip().startswith("<"):
            with contextlib.suppress(ValueError, lxml.etree.ParserError):
                said = lxml.html.document_fromstring(body).text_content()
    said = " ".join(said.split())[:200] or str(error.reason)
    return f"HTTP {error.code}: {said}"


def json_of(body: bytes) -> dict[str, Any]:
    """The JSON object of a `GET /pos/{po}/portal-links` answer; GaveUp when it is none."""
    try:
        value = json.loads(body)
    except ValueError as exc:
        raise GaveUp(f"the portal links are not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise GaveUp("the portal links are not a JSON object")
    return value
