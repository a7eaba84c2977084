"""Portal links: a signed token per supplier recipient and revision, with an expiry; valid,
expired, tampered, forged, and a link for an older revision once a newer one exists."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from projections.fold import fold
from services.portal.issuing import NoLink, link_for, links_for
from services.portal.links import LinkError, issue, verify
from services.portal.page import openness
from tests.factories import T0, approved, cancelled, revised

SECRET = "a-long-random-portal-secret-for-tests"
BASE = "https://potrack.example.com/"


def test_a_link_names_one_recipient_of_one_revision_and_opens_within_its_days() -> None:
    link = issue(SECRET, "PO-1", 2, "S1", base_url=BASE, now=T0, days=30)

    assert link.url == f"https://potrack.example.com/portal/{link.token}"
    claim = verify(SECRET, link.token, now=T0 + timedelta(days=29, hours=23), days=30)
    assert (claim.po_number, claim.revision, claim.recipient) == ("PO-1", 2, "S1")
    assert claim.expires_at == T0 + timedelta(days=30)


def test_an_expired_link_is_refused_and_says_so() -> None:
    link = issue(SECRET, "PO-1", 1, "S1", base_url=BASE, now=T0, days=30)

    with pytest.raises(LinkError) as refused:
        verify(SECRET, link.token, now=T0 + timedelta(days=30, seconds=1), days=30)
    assert refused.value.expired
    assert str(refused.value) == "this link has expired"


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: t.replace(t.split(".")[0], t.split(".")[0][::-1]),  # the payload
        lambda t: t[: len(t) // 2],  # cut short
        lambda t: "",
        lambda t: "not.a.token",
    ],
    ids=["signature", "payload", "cut", "empty", "garbage"],
)
def test_a_tampered_link_is_refused(change: Callable[[str], str]) -> None:
    link = issue(SECRET, "PO-1", 1, "S1", base_url=BASE, now=T0)

    with pytest.raises(LinkError) as refused:
        verify(SECRET, change(link.token), now=T0)
    assert not refused.value.expired


def test_a_link_signed_with_another_secret_is_forged() -> None:
    forged = issue("another-secret-of-some-length", "PO-1", 1, "S1", base_url=BASE, now=T0)

    with pytest.raises(LinkError, match="not valid"):
        verify(SECRET, forged.token, now=T0)


def test_a_link_for_revision_1_takes_no_answer_once_revision_2_exists() -> None:
    first = verify(SECRET, issue(SECRET, "PO-1", 1, "S1", base_url=BASE, now=T0).token, now=T0)
    announced = [approved(["S1"], po="PO-1")]

    assert openness(first, fold("PO-1", announced)) == "open"
    assert openness(first, fold("PO-1", [*announced, revised(2, po="PO-1", time=60)])) == (
        "superseded"
    )
    assert openness(first, fold("PO-1", [*announced, cancelled(po="PO-1", time=60)])) == (
        "cancelled"
    )


def test_only_supplier_recipients_of_an_announced_revision_get_a_link() -> None:
    state = fold("PO-1", [approved(["S1", "S2"], ["AP"], po="PO-1")])

    links = links_for(state, secret=SECRET, base_url=BASE, now=T0)
    assert [(ln.claim.recipient, ln.claim.revision) for ln in links] == [("S1", 1), ("S2", 1)]
    assert link_for(state, "S2", secret=SECRET, base_url=BASE, now=T0).claim.recipient == "S2"
    with pytest.raises(NoLink, match="internal recipient"):
        link_for(state, "AP", secret=SECRET, base_url=BASE, now=T0)
    with pytest.raises(NoLink, match=re.escape("has no recipient 'S9' (it has S1, S2, AP)")):
        link_for(state, "S9", secret=SECRET, base_url=BASE, now=T0)
    with pytest.raises(NoLink, match="has no revision 2"):
        link_for(state, "S1", 2, secret=SECRET, base_url=BASE, now=T0)
    assert links_for(fold("PO-2", []), secret=SECRET, base_url=BASE, now=T0) == []
