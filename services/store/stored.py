"""How PO events are stored: one pydantic model per stored state, and upcasting on read.

The aggregate has exactly two event classes (Started, FactRecorded), so their state is one
pydantic model, encoded and parsed whole by pydantic's JSON code instead of
eventsourcing's generic JSON transcoder (which walks every nested dict in Python): about
twice as fast to write and to replay.

Reading an event of an older `class_version` (or one the current model refuses) takes the
slow path: the stored JSON is parsed to plain data, the event class's `upcast_vN_vM`
static methods bring it to the current version (eventsourcing's convention), and only
then is it validated. eventsourcing's own Mapper validates in the transcoder, before
upcasting, which cannot work with strict models; hence `UpcastingMapper`.
"""

import json
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import resolve_topic
from pydantic import BaseModel, ConfigDict, ValidationError

from schemas.recorded import Fact


class StoredState(BaseModel):
    """The stored state of every PO event: when, the fact, the creation attributes, and
    the class version when above 1 (eventsourcing omits version 1)."""

    model_config = ConfigDict(extra="forbid")

    timestamp: datetime
    fact: Fact
    po_number: str | None = None
    originator_topic: str | None = None
    class_version: int | None = None


def _present(state: StoredState) -> dict[str, Any]:
    return {k: v for k, v in state.__dict__.items() if v is not None}


class StateTranscoder(Transcoder):
    """Stored state <-> bytes (UTF-8 JSON) through `StoredState`."""

    def encode(self, obj: Any) -> bytes:
        return StoredState.model_validate(obj).model_dump_json(exclude_none=True).encode()

    def decode(self, data: bytes) -> Any:
        return _present(StoredState.model_validate_json(data))


class UpcastingMapper(Mapper[UUID]):
    """eventsourcing's Mapper, with upcasting before validation (see the module doc)."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        current = getattr(cls, "class_version", 1)
        try:
            state = StoredState.model_validate_json(stored_event.state)
            fast = (state.class_version or 1) == current
        except ValidationError:
            fast = False
        event_state = _present(state) if fast else upcast(cls, json.loads(stored_event.state))
        event_state.pop("class_version", None)
        event_state["originator_id"] = (
            stored_event.originator_id
            if isinstance(stored_event.originator_id, UUID)
            else UUID(str(stored_event.originator_id))
        )
        event_state["originator_version"] = stored_event.originator_version
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return cast(DomainEventProtocol[UUID], domain_event)

    def fact_of(self, stored_event: StoredEvent) -> Fact:
        """Only the fact of a stored event (what projections read): of the current class
        version it is parsed alone, without building the domain event around it (a
        quarter of the decoding time); any other version goes through `to_domain_event`
        (upcasting). Raises what `to_domain_event` raises for a state no model fits."""
        current = _current_versions.get(stored_event.topic)
        if current is None:
            current = getattr(resolve_topic(stored_event.topic), "class_version", 1)
            _current_versions[stored_event.topic] = current
        try:
            state = StoredState.model_validate_json(stored_event.state)
        except ValidationError:
            state = None
        if state is not None and (state.class_version or 1) == current:
            return state.fact
        fact: Fact = self.to_domain_event(stored_event).fact  # type: ignore[attr-defined]
        return fact


_current_versions: dict[str, int] = {}  # stored-event topic -> its class's class_version


def upcast(cls: type, raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state (plain JSON data) to `cls.class_version` with its
    `upcast_vN_vM` methods, then validate it; raises ValueError naming the event class when
    an upcaster is missing or the result is still not a valid state."""
    current = getattr(cls, "class_version", 1)
    version = int(raw.pop("class_version", None) or 1)
    while version < current:
        step = getattr(cls, f"upcast_v{version}_v{version + 1}", None)
        if step is None:
            raise ValueError(
                f"{cls.__qualname__}: no upcast_v{version}_v{version + 1} for a stored event "
                f"of class_version {version} (current {current})"
            )
        step(raw)
        version += 1
    try:
        return _present(StoredState.model_validate(raw))
    except ValidationError as exc:
        raise ValueError(
            f"{cls.__qualname__}: a stored event of class_version {current} does not fit the "
            f"stored models; a changed model needs a new class_version and an upcaster: {exc}"
        ) from exc
