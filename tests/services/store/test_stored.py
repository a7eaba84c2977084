"""Stored PO events: stable topics, class versions, upcasting, and the models' fingerprint.

A change to what is stored (StoredState, Fact, the data model of any event type) must
bump the events' `class_version` and add an `upcast_vN_vM`, so that every stored event of
every earlier version stays readable: `test_the_stored_models_are_those_of_the_class_version`
says so when it happens. Regenerate the fingerprint of a new version with
`python -m tests.services.store.test_stored` (it refuses to overwrite an existing one).
"""

import json
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from schemas.events import DATA_MODELS
from services.store.aggregate import LEGACY_TOPICS, PurchaseOrder, po_id
from services.store.events import EventStore
from services.store.stored import StoredState, upcast
from tests.factories import approved, sent

DATA = Path(__file__).resolve().parents[2] / "data" / "stored"
EVENTS = (PurchaseOrder.Started, PurchaseOrder.FactRecorded)


def fingerprint() -> dict[str, Any]:
    """The JSON Schemas of everything a stored PO event holds."""
    return {
        "StoredState": StoredState.model_json_schema(),
        "data": {str(t): m.model_json_schema() for t, m in sorted(DATA_MODELS.items())},
    }


def models_file(version: int) -> Path:
    return DATA / f"models-v{version}.json"


def test_both_event_classes_share_one_class_version() -> None:
    assert len({cls.class_version for cls in EVENTS}) == 1


def test_the_stored_models_are_those_of_the_class_version() -> None:
    version = PurchaseOrder.FactRecorded.class_version
    recorded = json.loads(models_file(version).read_text(encoding="utf-8"))

    assert fingerprint() == recorded, (
        f"the stored models changed since class_version {version}: bump class_version of "
        f"PurchaseOrder.Started and .FactRecorded to {version + 1}, add "
        f"upcast_v{version}_v{version + 1} to both (services/store/aggregate.py), and write "
        f"{models_file(version + 1).name} with: python -m tests.services.store.test_stored"
    )


def test_every_earlier_class_version_has_its_upcasters() -> None:
    for cls in EVENTS:
        for version in range(1, cls.class_version):
            assert models_file(version).is_file()
            assert callable(getattr(cls, f"upcast_v{version}_v{version + 1}", None)), cls


def test_stored_events_are_named_by_stable_topics_and_the_old_ones_still_resolve() -> None:
    store = EventStore("sqlite:///:memory:")
    try:
        store.record([approved(time=0), sent("S1", time=1)], {}, "g")
        topics = [e.topic for e in store.recorder.select_events(po_id("PO-1001"))]
    finally:
        store.close()

    assert topics == ["potrack:PurchaseOrder.Started", "potrack:PurchaseOrder.FactRecorded"]
    assert set(LEGACY_TOPICS.values()) == {PurchaseOrder, *EVENTS}


class _Renamed:
    """An event class two versions on: v2 renamed `po_number`, v3 dropped `legacy`."""

    class_version: ClassVar[int] = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["legacy"] = state.pop("po_number")

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["po_number"] = state.pop("legacy")


def test_upcasting_brings_an_old_state_to_the_current_version_before_validating() -> None:
    state = json.loads(
        StoredState.model_validate(_stored_state()).model_dump_json(exclude_none=True)
    )

    upcasted = upcast(_Renamed, state)

    assert upcasted["po_number"] == "PO-1001"
    assert upcasted["fact"].subject == "PO-1001"


def test_a_missing_upcaster_is_named() -> None:
    class Newer:
        class_version = 2

    with pytest.raises(ValueError, match="no upcast_v1_v2"):
        upcast(
            Newer,
            json.loads(
                StoredState.model_validate(_stored_state()).model_dump_json(exclude_none=True)
            ),
        )


def _stored_state() -> dict[str, Any]:
    fact = approved(time=0)
    return {"timestamp": fact.recorded_at, "fact": fact, "po_number": fact.subject}


def main() -> int:
    version = PurchaseOrder.FactRecorded.class_version
    target = models_file(version)
    if target.exists():
        print(f"{target.name} exists: a recorded version is never rewritten", file=sys.stderr)
        return 1
    target.write_text(json.dumps(fingerprint(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
