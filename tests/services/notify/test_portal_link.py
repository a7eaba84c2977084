"""Reminders carry the supplier's portal link (issue 13 item 1); nothing else does, and
without a portal secret reminders are as before."""

import re
from datetime import timedelta

import pytest

from services.notify.render import PortalLinks, Renderer
from services.notify.service import portal_links
from services.portal.links import LinkError, verify
from services.settings import Settings
from tests.services.notify.alerts import T0, notice

BASE = "https://potrack.example.com"
SECRET = "reminder-test-secret"
SENT = T0 + timedelta(hours=5)  # when the reminder goes out
LINK = re.compile(r"https://potrack\.example\.com/portal/([A-Za-z0-9_\-.]+)")


def with_portal(days: int = 30) -> Renderer:
    return Renderer(BASE, PortalLinks(SECRET, days))


def test_a_reminder_carries_the_link_of_exactly_that_po_revision_and_recipient() -> None:
    message = with_portal(7).render("reminder", [notice(po="PO-9", revision=3)], SENT)

    [token] = set(LINK.findall(message.text))
    assert set(LINK.findall(message.html)) == {token}
    # shown as well as linked: the mail's plain-text alternative is made from the HTML
    assert f'<a href="{BASE}/portal/{token}">{BASE}/portal/{token}</a>' in message.html
    claim = verify(SECRET, token, now=SENT, days=7)
    assert (claim.po_number, claim.revision, claim.recipient) == ("PO-9", 3, "sup")
    assert claim.issued_at == SENT and claim.expires_at == SENT + timedelta(days=7)
    assert "Please acknowledge each order through its link above" in message.text
    with pytest.raises(LinkError) as expired:  # issued at the sending time, good for 7 days
        verify(SECRET, token, now=SENT + timedelta(days=7, seconds=1), days=7)
    assert expired.value.expired
    with pytest.raises(LinkError):
        verify("another-secret", token, now=SENT)


def test_each_po_of_a_reminder_digest_has_its_own_link() -> None:
    notices = [notice(po="PO-1"), notice(po="PO-2", revision=2, recipient="sales")]

    text = with_portal().render("reminder", notices, SENT).text

    claims = [verify(SECRET, t, now=SENT) for t in LINK.findall(text)]
    assert [(c.po_number, c.revision, c.recipient) for c in claims] == [
        ("PO-1", 1, "sup"),
        ("PO-2", 2, "sales"),
    ]


def test_buyers_and_webhooks_get_no_supplier_link() -> None:
    message = with_portal().render("notification", [notice(), notice(po="PO-2")], SENT)

    assert "/portal/" not in message.text + message.html


def test_without_a_portal_secret_a_reminder_is_as_before() -> None:
    message = Renderer(BASE).render("reminder", [notice()], SENT)

    assert "/portal/" not in message.text + message.html
    assert "Please acknowledge each order through your usual channel" in message.text


def test_the_notifier_signs_links_only_when_a_portal_secret_is_set() -> None:
    assert portal_links(Settings()) is None
    assert portal_links(Settings(portal_secret="")) is None
    links = portal_links(Settings(portal_secret="s3cret", portal_link_days=9))
    assert links == PortalLinks("s3cret", 9)
