"""The simulated portal suppliers answer through the real portal of a real `potrack run`
(issue 13 item 5, what `make run` does): the live traffic of a few portal POs goes to
the broker, and their suppliers' visits (`services.simulate.suppliers`) ask the API for
the link, open it and submit the form. What the store records for those POs came from
the portal, `urn:potrack:portal`: one `po.received` (`portal-viewed`) and one
`po.acknowledged` each, a double submit included. Real broker, processes and HTTP."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas.recorded import Fact
from services.kafka import ensure_topics
from services.settings import Settings
from services.simulate.profiles import PORTAL_SOURCE
from services.simulate.suppliers import PortalSuppliers
from services.simulate.traffic import SimEvent, generate, publish
from services.store.events import EventStore
from tests.integration.kit import potrack, potrack_env, wait_for
from tests.services.notify.receivers import free_port

DECISIONS = ("accepted", "accepted_with_changes", "rejected")  # one PO answered each way
API_TOKEN = "portal-simulated-api-token"
UNSETTLED = ("po.revised", "po.cancelled")  # a PO whose answer the script could leave stale


def chosen(stream: list[SimEvent]) -> dict[str, list[SimEvent]]:
    """For each of DECISIONS the first PO that a portal supplier views and answers once
    that way, never revised or cancelled: PO number -> every event of it, in order."""
    by_po: dict[str, list[SimEvent]] = {}
    for event in stream:
        by_po.setdefault(event.key, []).append(event)
    picked: dict[str, tuple[str, list[SimEvent]]] = {}
    for po, events in by_po.items():
        kinds = {e.value["type"] for e in events if isinstance(e.value, dict)}
        visits = sorted(
            (e.value["type"], e.value["data"].get("decision", "")) for e in events if e.visit
        )
        if len(visits) == 2 and visits[1][0] == "po.received" and not kinds & set(UNSETTLED):
            picked.setdefault(visits[0][1], (po, events))
    assert set(picked) == set(DECISIONS), f"the seed answers only {sorted(picked)}"
    return dict(picked.values())


def facts(url: str, po: str) -> list[Fact]:
    store = EventStore(url)
    try:
        return store.facts(po)
    finally:
        store.close()


def from_portal(url: str, po: str) -> list[tuple[str, Any]]:
    """(type, evidence or decision) of the PO's facts recorded from the portal."""
    found = [f for f in facts(url, po) if f.source == PORTAL_SOURCE]
    return sorted((f.type.value, f.data.get("evidence") or f.data["decision"]) for f in found)


async def test_the_simulated_suppliers_answer_through_the_portal_of_potrack_run(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    port = free_port()
    env = potrack_env(
        kafka_bootstrap,
        url,
        topic_prefix,
        POTRACK_API_PORT=str(port),
        POTRACK_API_TOKEN=API_TOKEN,
        POTRACK_PORTAL_SECRET="portal-simulated-secret",
        POTRACK_LOG_LEVEL="WARNING",
    )
    now = datetime.now(UTC)
    stream = list(generate(5, 4000, now, time_mode="live", portal=True, bad_fraction=0))
    pos = chosen(stream)
    sent = [e for events in pos.values() for e in events if not e.visit]
    visits = [e for events in pos.values() for e in events if e.visit]
    first_answer = next(e for e in visits if e.value["type"] == "po.acknowledged")
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    suppliers = PortalSuppliers(f"http://127.0.0.1:{port}", API_TOKEN)
    with potrack(["run"], env, tmp_path / "run.log"):
        await publish(sent, kafka_bootstrap, topic_prefix=topic_prefix)
        for visit in [*visits, first_answer]:  # the first answer twice: a double submit
            suppliers.visit(visit)
        await suppliers.close(grace=90)
        answers = len(visits) // 2
        assert suppliers.outcomes == {"portal_viewed": answers, "portal_answered": answers + 1}

        def recorded() -> bool:
            return all(len(from_portal(url, po)) == 2 for po in pos)

        await asyncio.to_thread(wait_for, recorded, 60, 0.5, "the portal's events recorded")
        await asyncio.sleep(2.0)  # a second event of a double submit would be in by now

    for po, events in pos.items():
        [answer] = [e.value["data"] for e in events if e.visit and e.value["data"].get("decision")]
        assert from_portal(url, po) == [
            ("po.acknowledged", answer["decision"]),
            ("po.received", "portal-viewed"),
        ], po
        acknowledged = [f for f in facts(url, po) if f.type.value == "po.acknowledged"]
        assert [f.data["recipient"] for f in acknowledged] == [answer["recipient"]]
