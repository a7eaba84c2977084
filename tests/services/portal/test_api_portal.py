"""GET and POST /portal/{token} through the app on a real SQLite store and the real broker:
the page, the first view as evidence, an answer as a po.acknowledged and a 303 back to
the page, a double click as one event, 403/404/409/422 and the links endpoint."""

import asyncio
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from schemas.topics import Topic
from services.kafka import ensure_topics
from services.settings import Settings
from tests.services.api.conftest import World, open_world
from tests.services.portal.kit import SECRET, book, client_of, csrf_of, link, published, settle

TOKEN = "api-token-of-the-read-api"


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str, test_topic_prefixes: set[str]
) -> Iterator[tuple[World, str, str]]:
    """One world, one topic prefix (with its inbound topics made) for the module."""
    from tests.conftest import new_topic_prefix

    prefix = new_topic_prefix()
    test_topic_prefixes.add(prefix)
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=prefix)
    asyncio.run(ensure_topics(settings, [Topic.DELIVERY, Topic.ACKNOWLEDGMENT]))
    with open_world(f"sqlite:///{tmp_path_factory.mktemp('portal')}/potrack.sqlite") as world:
        world.given(*book())
        yield world, kafka_bootstrap, prefix


@pytest.fixture(scope="module")
def client(setup: tuple[World, str, str]) -> Iterator[TestClient]:
    world, bootstrap, prefix = setup
    with client_of(
        world, kafka_bootstrap_servers=bootstrap, topic_prefix=prefix, api_token=TOKEN
    ) as found:
        yield found


def events(setup: tuple[World, str, str], topic: Topic, expected: int = 0) -> list[dict]:  # type: ignore[type-arg]
    _, bootstrap, prefix = setup
    return published(bootstrap, f"{prefix}{topic}", expected)


def test_the_page_opens_without_the_api_token_and_the_first_view_is_evidence(
    client: TestClient, setup: tuple[World, str, str]
) -> None:
    page = client.get(link("PO-P1"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'data-testid="po-number">PO-P1<' in page.text
    assert "BOLT-8" in page.text and "Bolt M8, zinc" in page.text and "2026-12-01" in page.text
    assert 'href="mailto:buyer@example.com"' in page.text
    assert '<label for="line-1-quantity">Quantity</label>' in page.text
    for header, value in {
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
    }.items():
        assert page.headers[header] == value
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy and "<script" not in page.text
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/portal/" in cookie
    for _ in range(3):
        assert client.get(link("PO-P1")).status_code == 200
    settle(client)

    viewed = [e for e in events(setup, Topic.DELIVERY, 1) if e["subject"] == "PO-P1"]
    assert len(viewed) == 1  # at most once per process per link
    assert viewed[0]["source"] == "urn:potrack:portal"
    assert viewed[0]["data"] == {"revision": 1, "recipient": "S1", "evidence": "portal-viewed"}
    assert client.get("/portal-assets/portal.css").status_code == 200


def test_an_answer_is_published_and_the_page_shows_it_a_double_click_is_one_event(
    client: TestClient, setup: tuple[World, str, str]
) -> None:
    path = link("PO-P1", "S2")
    form = {
        "csrf": csrf_of(client.get(path).text),
        "decision": "accepted_with_changes",
        "supplier_reference": "SO-4711",
        "line-1-quantity": "90",
        "line-2-decision": "backordered",
        "line-2-promised_date": "2027-01-15",
    }
    first = client.post(path, data=form, follow_redirects=False)
    second = client.post(path, data=form, follow_redirects=False)  # the double click

    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["location"] == path
    page = client.get(path)
    assert 'data-testid="sent"' in page.text and "Accepted with changes" in page.text
    assert "line 1: changed · quantity 90" in page.text
    assert "line 2: backordered · promised 2027-01-15" in page.text
    answers = [e for e in events(setup, Topic.ACKNOWLEDGMENT, 2) if e["subject"] == "PO-P1"]
    assert len(answers) == 2 and answers[0]["id"] == answers[1]["id"]
    assert answers[0]["data"] == {
        "revision": 1,
        "recipient": "S2",
        "decision": "accepted_with_changes",
        "supplier_reference": "SO-4711",
        "lines": [
            {"line": 1, "decision": "changed", "quantity": "90"},
            {"line": 2, "decision": "backordered", "promised_date": "2027-01-15"},
        ],
    }


def test_a_refused_answer_is_the_page_again_with_each_error_by_its_field(
    client: TestClient,
) -> None:
    path = link("PO-P1")
    form = {
        "csrf": csrf_of(client.get(path).text),
        "decision": "accepted_with_changes",
        "line-1-quantity": "-4",
        "line-2-unit_price": "2.505",
        "line-2-promised_date": "soon",
        "line-7-quantity": "1",
    }
    refused = client.post(path, data=form)

    assert refused.status_code == 422
    text = refused.text
    assert 'data-error="line-1-quantity">must be more than 0<' in text
    assert "at most 2 decimals in this order&#39;s currency" in text
    assert 'data-error="line-2-promised_date">a date as YYYY-MM-DD' in text
    assert 'data-error="form">line 7: not on this order<' in text
    assert 'value="-4"' in text and 'value="soon"' in text  # what was typed comes back
    assert client.post(path, data=form | {"csrf": csrf_of(text)}).status_code == 422


def test_a_link_to_an_older_revision_says_so_and_a_post_is_409(client: TestClient) -> None:
    path = link("PO-P2", revision=1)
    page = client.get(path)

    assert page.status_code == 200
    assert "A newer revision (2) of this order exists" in page.text and "<form" not in page.text
    answer = client.post(path, data={"decision": "accepted"})
    assert answer.status_code == 409 and "A newer revision (2)" in answer.text
    assert client.get(link("PO-P2", revision=2)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        link("PO-NOPE"),  # no event of that PO
        link("PO-P1", "AP"),  # an internal recipient
        link("PO-P1", "S9"),  # not in the plan
        link("PO-P1", revision=3),  # a revision never announced
    ],
    ids=["unknown-po", "internal", "stranger", "future-revision"],
)
def test_a_link_to_nothing_it_may_show_is_404_and_shows_nothing(
    client: TestClient, path: str
) -> None:
    for answer in (client.get(path), client.post(path, data={"decision": "accepted"})):
        assert answer.status_code == 404
        assert "This order is not known here (yet)." in answer.text
        assert "SUP-1" not in answer.text and "BOLT" not in answer.text


@pytest.mark.parametrize(
    "change",
    [lambda p: p[:-2] + "xx", lambda p: p.replace("/portal/", "/portal/A"), lambda p: "/portal/x"],
    ids=["signature", "payload", "garbage"],
)
def test_a_tampered_or_forged_link_is_403_and_publishes_nothing(
    client: TestClient, setup: tuple[World, str, str], change: Callable[[str], str]
) -> None:
    forged = link("PO-P3", secret="some-other-secret-entirely")
    for path in (change(link("PO-P3")), forged):
        page = client.get(path)
        assert page.status_code == 403 and "Link not valid" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert client.post(path, data={"decision": "accepted"}).status_code == 403
    settle(client)
    assert not [e for e in events(setup, Topic.DELIVERY) if e["subject"] == "PO-P3"]


def test_the_links_endpoint_needs_the_api_token_and_lists_supplier_recipients(
    client: TestClient,
) -> None:
    assert client.get("/pos/PO-P1/portal-links").status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    found = client.get("/pos/PO-P1/portal-links", headers=auth).json()

    assert (found["po_number"], found["revision"]) == ("PO-P1", 1)
    assert [(ln["recipient"], ln["revision"]) for ln in found["links"]] == [("S1", 1), ("S2", 1)]
    assert all(ln["url"].startswith("http://127.0.0.1:8080/portal/") for ln in found["links"])
    opened = client.get(found["links"][0]["url"].removeprefix("http://127.0.0.1:8080"))
    assert opened.status_code == 200 and 'data-testid="po-number">PO-P1<' in opened.text
    missing = client.get("/pos/PO-NOPE/portal-links", headers=auth)
    assert missing.status_code == 404 and missing.json()["title"] == "Unknown purchase order"


def test_without_a_secret_there_is_no_portal(setup: tuple[World, str, str]) -> None:
    world, _, _ = setup
    with client_of(world, portal_secret=None) as bare:
        page = bare.get(link("PO-P1"))
        assert page.status_code == 404 and "The portal is not configured." in page.text
        problem = bare.get("/pos/PO-P1/portal-links")
        assert problem.status_code == 404
        assert problem.json()["detail"] == "the portal is not configured"
    assert SECRET  # the links above were signed with it: only the missing secret refuses them
