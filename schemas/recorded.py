"""The stored form of an accepted event: what the event store keeps and projections read."""

from datetime import datetime
from functools import cached_property
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.events import DATA_MODELS, InboundEvent, Model
from schemas.status import EventType


class Fact(BaseModel):
    """One accepted CloudEvent with its ingest metadata and the anomalies noted on arrival.

    `data` keeps the validated payload in JSON form so stored events never depend on
    Python objects; `payload` gives it back typed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    id: str
    type: EventType
    subject: str = Field(description="The PO number.")
    time: AwareDatetime = Field(description="Event time: when it happened at its source.")
    data: dict[str, Any]
    recorded_at: AwareDatetime = Field(description="When potrack accepted it.")
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    anomalies: tuple[str, ...] = ()

    @classmethod
    def from_event(
        cls,
        event: InboundEvent,
        *,
        recorded_at: datetime,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
    ) -> "Fact":
        # The event was just validated: build without validating twice, and keep its typed
        # payload so the fold does not parse `data` again (ingest's hot path).
        fact = cls.model_construct(
            source=event.source,
            id=event.id,
            type=event.type,
            subject=event.subject,
            time=event.time,
            data=event.data.model_dump(mode="json", exclude_none=True),
            recorded_at=recorded_at,
            topic=topic,
            partition=partition,
            offset=offset,
            anomalies=(),
        )
        fact.__dict__["payload"] = event.data
        return fact

    @property
    def key(self) -> tuple[str, str]:
        """CloudEvents identity: (source, id)."""
        return (self.source, self.id)

    @property
    def order(self) -> tuple[datetime, str, str]:
        """Total order for 'latest wins' ties: time, then id, then source."""
        return (self.time, self.id, self.source)

    @cached_property
    def payload(self) -> Any:
        """The typed `data` model of this event's type."""
        model: type[Model] = DATA_MODELS[self.type]
        return model.model_validate(self.data)

    def with_anomalies(self, anomalies: list[str]) -> "Fact":
        return self.model_copy(update={"anomalies": tuple(anomalies)}) if anomalies else self
