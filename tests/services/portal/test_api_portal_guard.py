"""The portal's guards through the app: CSRF (missing, wrong, without its cookie, another
link's), every value escaped (markup in the PO, the answer on record and every posted
field), requests per link rate-limited (429), and a broker that cannot take an answer
(503, the form kept)."""

import asyncio
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from schemas.topics import Topic
from services.kafka import ensure_topics
from services.settings import Settings
from tests.conftest import new_topic_prefix
from tests.services.api.conftest import CLOSED_KAFKA, World, open_world
from tests.services.portal.kit import SCRIPT, book, client_of, csrf_of, link, published

ANSWER = {"decision": "accepted", "supplier_reference": "SO-1"}


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str, test_topic_prefixes: set[str]
) -> Iterator[tuple[World, str, str]]:
    prefix = new_topic_prefix()
    test_topic_prefixes.add(prefix)
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=prefix)
    asyncio.run(ensure_topics(settings, [Topic.DELIVERY, Topic.ACKNOWLEDGMENT]))
    with open_world(f"sqlite:///{tmp_path_factory.mktemp('guard')}/potrack.sqlite") as world:
        world.given(*book())
        yield world, kafka_bootstrap, prefix


@pytest.fixture(scope="module")
def client(setup: tuple[World, str, str]) -> Iterator[TestClient]:
    world, bootstrap, prefix = setup
    with client_of(world, kafka_bootstrap_servers=bootstrap, topic_prefix=prefix) as found:
        yield found


def answers(setup: tuple[World, str, str], po: str, expected: int = 0) -> list[dict]:  # type: ignore[type-arg]
    _, bootstrap, prefix = setup
    found = published(bootstrap, f"{prefix}{Topic.ACKNOWLEDGMENT}", expected)
    return [e for e in found if e["subject"] == po]


def test_a_post_without_the_pages_csrf_token_and_cookie_is_403_and_publishes_nothing(
    client: TestClient, setup: tuple[World, str, str]
) -> None:
    path, other = link("PO-P3"), link("PO-P1", "S2")
    token = csrf_of(client.get(path).text)
    others = csrf_of(client.get(other).text)
    refused = [
        client.post(path, data=ANSWER),  # no token
        client.post(path, data=ANSWER | {"csrf": "0" * 40}),  # a wrong one
        client.post(path, data=ANSWER | {"csrf": others}),  # another link's
    ]
    client.cookies.clear()
    refused.append(client.post(path, data=ANSWER | {"csrf": token}))  # no cookie

    assert [r.status_code for r in refused] == [403] * 4
    assert all("This form could not be checked." in r.text for r in refused)
    assert answers(setup, "PO-P3") == []
    fresh = csrf_of(client.get(path).text)
    assert (
        client.post(path, data=ANSWER | {"csrf": fresh}, follow_redirects=False).status_code == 303
    )
    assert len(answers(setup, "PO-P3", 1)) == 1


def test_a_page_opened_again_leaves_the_first_pages_form_valid(
    client: TestClient, setup: tuple[World, str, str]
) -> None:
    path = link("PO-P1", "S2")
    first = csrf_of(client.get(path).text)  # tab A
    second = csrf_of(client.get(path).text)  # tab B, or the link clicked again in the mail

    sent = client.post(path, data=ANSWER | {"csrf": first}, follow_redirects=False)

    assert first == second
    assert sent.status_code == 303
    assert len(answers(setup, "PO-P1", 1)) == 1


def no_markup(html: str) -> None:
    """Every hostile value shows as text: no script element, no injected tag."""
    assert "<script" not in html.lower()
    assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_markup_in_the_po_and_in_the_answer_on_record_is_shown_as_text(client: TestClient) -> None:
    page = client.get(link("PO-X"))

    assert page.status_code == 200
    no_markup(page.text)
    for shown in (
        "Evil &lt;script&gt;",
        "&lt;b&gt;bold&lt;/b&gt;",
        "SO&lt;script&gt;",
        "because &lt;script&gt;",
    ):
        assert shown in page.text, shown
    mailto = re.search(r'href="(mailto:[^"]*)"', page.text)
    assert mailto is not None and "<" not in mailto.group(1) and '"' not in mailto.group(1)


def test_markup_in_every_posted_field_comes_back_as_text(client: TestClient) -> None:
    path = link("PO-X")
    fields = {
        name: SCRIPT
        for name in (
            "decision",
            "supplier_reference",
            "reason",
            "line-1-decision",
            "line-1-quantity",
            "line-1-unit_price",
            "line-1-promised_date",
            f"line-{SCRIPT}-quantity",
        )
    }
    refused = client.post(path, data=fields | {"csrf": csrf_of(client.get(path).text)})

    assert refused.status_code == 422
    no_markup(refused.text)
    assert refused.text.count('aria-invalid="true"') >= 5
    sent = {"decision": "rejected", "supplier_reference": SCRIPT, "reason": SCRIPT}
    done = client.post(path, data=sent | {"csrf": csrf_of(refused.text)})  # 303, then the page
    assert done.status_code == 200 and 'data-testid="sent"' in done.text
    no_markup(done.text)


def test_requests_per_link_and_bad_links_per_client_are_rate_limited(
    setup: tuple[World, str, str],
) -> None:
    world, bootstrap, prefix = setup
    with client_of(
        world, kafka_bootstrap_servers=bootstrap, topic_prefix=prefix, portal_rate_limit="3/minute"
    ) as limited:
        path = link("PO-P1")
        assert [limited.get(path).status_code for _ in range(3)] == [200] * 3
        refused = limited.get(path)
        assert refused.status_code == 429 and "Too many requests" in refused.text
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert limited.post(path, data=ANSWER).status_code == 429
        assert limited.get(link("PO-P1", "S2")).status_code == 200  # another link
        bad = [limited.get(f"/portal/guess-{n}").status_code for n in range(4)]
        assert bad == [403, 403, 403, 429]


def test_an_answer_the_broker_cannot_take_is_503_with_the_form_as_it_was(
    setup: tuple[World, str, str],
) -> None:
    world, _, _ = setup
    with client_of(world, kafka_bootstrap_servers=CLOSED_KAFKA) as offline:
        path = link("PO-P1")
        page = offline.get(path)  # the view cannot be published: the page shows all the same
        assert page.status_code == 200
        form = {"csrf": csrf_of(page.text), "decision": "rejected", "reason": "no stock"}
        failed = offline.post(path, data=form)

        assert failed.status_code == 503
        assert "could not be recorded just now" in failed.text
        assert ">no stock</textarea>" in failed.text and csrf_of(failed.text)


def test_a_form_without_its_length_or_over_1_mib_is_refused_unread(
    client: TestClient, setup: tuple[World, str, str]
) -> None:
    path = link("PO-X")
    before = len(answers(setup, "PO-X"))
    form = {"content-type": "application/x-www-form-urlencoded"}
    chunks = (b"reason=" + b"x" * 65536 for _ in range(20))  # streamed: no Content-Length

    chunked = client.post(path, content=chunks, headers=form)
    large = client.post(path, content=b"reason=" + b"x" * (1024 * 1024 + 1), headers=form)

    assert (chunked.status_code, large.status_code) == (411, 413)
    assert "Send the form with its Content-Length." in chunked.text
    assert len(answers(setup, "PO-X")) == before
