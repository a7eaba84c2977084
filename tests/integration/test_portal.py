"""The supplier portal through the real broker and `potrack run` (issue 13): a view is one
`po.received` (`portal-viewed`) however often the page is opened, an answer is a
`po.acknowledged` recorded by ingest, a double submit is one event, and the status view
and the page then show the answer."""

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx

from schemas.topics import Topic
from services.kafka import ensure_topics
from services.settings import Settings
from tests.integration.kit import ce, potrack, potrack_env, produce, run_cli, structured, wait_for
from tests.services.api.live import free_port

SECRET = "integration-portal-secret-0123456789"
PO = "PO-PORTAL-1"


def approval() -> dict[str, Any]:
    data = {
        "revision": 1,
        "supplier": {"id": "SUP-P", "name": "Portal Parts"},
        "buyer": {"id": "B-1", "email": "buyer@example.com"},
        "currency": "EUR",
        "total_amount": "1275.00",
        "lines": [
            {"line": 1, "sku": "A-1", "quantity": "100", "unit_price": "12.50"},
            {"line": 2, "sku": "B-2", "quantity": "10", "unit_price": "2.50"},
        ],
        "recipients": [
            {"id": "sup-portal", "kind": "supplier", "channel": "portal"},
            {"id": "ap", "kind": "internal", "channel": "email"},
        ],
    }
    return ce("po.approved", PO, data, f"{PO}-approved", "2026-11-02T09:00:00Z")


def portal_events(base: str, type_: str) -> list[dict[str, Any]]:
    trail = httpx.get(f"{base}/pos/{PO}/audit", timeout=10).json()
    entries = trail["entries"] if isinstance(trail, dict) else trail
    return [e for e in entries if e["source"] == "urn:potrack:portal" and e["type"] == type_]


def supplier(base: str) -> dict[str, Any]:
    view = httpx.get(f"{base}/pos/{PO}", timeout=10).json()
    return next(r for r in view["recipients"] if r["id"] == "sup-portal")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_views_and_answers_go_through_the_broker_into_the_views(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    port = free_port()
    store_url = f"sqlite:///{tmp_path}/potrack.sqlite"
    env = potrack_env(
        kafka_bootstrap,
        store_url,
        topic_prefix,
        POTRACK_API_PORT=str(port),
        POTRACK_PORTAL_SECRET=SECRET,
    )
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    await produce(kafka_bootstrap, [structured(f"{topic_prefix}{Topic.DISTRIBUTION}", approval())])
    base = f"http://127.0.0.1:{port}"

    def known() -> bool:
        try:
            return httpx.get(f"{base}/pos/{PO}", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    with potrack(["run"], env, tmp_path / "run.log"):
        await asyncio.to_thread(wait_for, known, 90, 0.25, "the PO in the API")
        links = httpx.get(f"{base}/pos/{PO}/portal-links", timeout=10).json()["links"]
        assert [link["recipient"] for link in links] == ["sup-portal"]
        url = links[0]["url"]
        assert url.startswith(f"{base}/portal/")
        cli = run_cli(["portal-link", PO, "sup-portal"], env)
        assert cli.returncode == 0 and cli.stdout.startswith(f"{base}/portal/"), cli.stderr

        with httpx.Client(timeout=20) as browser:
            pages = [browser.get(url) for _ in range(3)]
            assert [p.status_code for p in pages] == [200] * 3
            await asyncio.to_thread(
                wait_for, lambda: supplier(base)["status"] == "received", 60, 0.25, "the view"
            )
            form = {
                "csrf": csrf_of(pages[-1].text),
                "decision": "accepted_with_changes",
                "supplier_reference": "SO-99",
                "line-2-quantity": "8",
                "line-2-unit_price": "2.75",
            }
            first = browser.post(url, data=form, follow_redirects=False)
            second = browser.post(url, data=form, follow_redirects=False)  # a double click
            assert (first.status_code, second.status_code) == (303, 303)
            await asyncio.to_thread(
                wait_for,
                lambda: supplier(base)["status"] == "changes_proposed",
                60,
                0.25,
                "the answer",
            )
            shown = browser.get(url).text

        assert len(portal_events(base, "po.received")) == 1
        assert len(portal_events(base, "po.acknowledged")) == 1
        view = httpx.get(f"{base}/pos/{PO}", timeout=10).json()
        assert view["status"] == "changes_proposed"
        row = supplier(base)
        assert (row["decision"], row["supplier_reference"]) == ("accepted_with_changes", "SO-99")
        assert [(d["line"], d["confirmed_quantity"]) for d in row["deviations"]] == [(2, "8")]
        assert "It is on record (below)." in shown
        assert "line 2: changed · quantity 8 · unit price 2.75" in shown
