"""GET /pos/{po}/notifications: what potrack notify delivered about a PO, for its page."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from projections.tables import notifications
from services.notify.service import queued
from services.notify.targets import Destination
from tests.factories import PO, approved
from tests.services.api.conftest import ClientFactory, World
from tests.services.notify.alerts import notice

SENT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def deliver(world: World, *to: Destination, level: int = 1) -> None:
    rows = [queued(notice(po=PO, recipient="S1", level=level), d, SENT, 0) for d in to]
    with world.db.transaction() as tx:
        notifications.enqueue(tx, rows)
        for row in rows:
            notifications.delivered(tx, notifications.queued(tx, row.target), SENT)


def test_the_notifications_of_a_po_list_who_got_what_about_which_alert(
    world: World, client: TestClient
) -> None:
    world.given(approved(("S1",)))
    deliver(
        world,
        Destination("supplier:orders@acme.example", "supplier orders@acme.example", "reminder"),
        Destination("url:abc", "json://potrack:****@127.0.0.1/hook", "notification"),
    )
    deliver(
        world,
        Destination("supplier:orders@acme.example", "supplier orders@acme.example", "reminder"),
        level=2,
    )

    response = client.get(f"/pos/{PO}/notifications")

    assert response.status_code == 200
    entries = response.json()
    assert [(e["message"], e["target"], e["level"]) for e in entries] == [
        ("notification", "json://potrack:****@127.0.0.1/hook", 1),
        ("reminder", "supplier orders@acme.example", 1),
        ("reminder", "supplier orders@acme.example", 2),
    ]
    assert entries[0] | {"target": None} == {
        "sent_at": "2026-11-02T10:00:00.000000+00:00",
        "target": None,
        "message": "notification",
        "alert_id": f"{PO}/r1/S1/acknowledgment_overdue",
        "revision": 1,
        "kind": "acknowledgment_overdue",
        "recipient": "S1",
        "transition": "raised",
        "level": 1,
        "digest": 1,
    }


def test_a_po_without_notifications_has_an_empty_list(world: World, client: TestClient) -> None:
    world.given(approved(("S1",)))

    assert client.get(f"/pos/{PO}/notifications").json() == []


def test_an_unknown_po_is_404(client: TestClient) -> None:
    response = client.get("/pos/PO-NONE/notifications")

    assert response.status_code == 404
    assert response.json()["type"].endswith("unknown-po")


def test_the_notifications_need_the_api_token(world: World, make_client: ClientFactory) -> None:
    world.given(approved(("S1",)))
    guarded = make_client(api_token="s3cret")

    assert guarded.get(f"/pos/{PO}/notifications").status_code == 401
    headers = {"Authorization": "Bearer s3cret"}
    assert guarded.get(f"/pos/{PO}/notifications", headers=headers).status_code == 200


def test_metrics_show_a_failing_target_by_its_masked_url(world: World, client: TestClient) -> None:
    target = Destination("url:abc", "json://potrack:****@127.0.0.1/hook", "notification")
    with world.db.transaction() as tx:
        notifications.enqueue(tx, [queued(notice(po=PO), target, SENT, 0)])
        notifications.failed(tx, "url:abc", "error=500", SENT, SENT)

    exposed = client.get("/metrics").text

    assert 'potrack_notify_target_failures{target="json://potrack:****@127.0.0.1/hook"} 1.0' in (
        exposed
    )
    assert "potrack_notify_queued 1.0" in exposed
