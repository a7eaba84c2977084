"""What the portal keeps while the API runs: its producer, the views published, the rate
limits; made on first use, closed with the app (`services.api.app`)."""

from dataclasses import dataclass, field
from typing import Any

from services.portal.guard import Limiter
from services.portal.publish import EventPublisher, Views
from services.settings import Settings

PUBLISH_VIEW_SECONDS = 30.0


@dataclass
class Portal:
    publisher: EventPublisher
    limiter: Limiter
    views: Views = field(init=False)

    def __post_init__(self) -> None:
        self.views = Views(
            lambda topic, event: self.publisher.publish(topic, event, PUBLISH_VIEW_SECONDS)
        )

    @classmethod
    def of(cls, settings: Settings) -> "Portal":
        return cls(EventPublisher(settings), Limiter.of(settings.portal_rate_limit))

    async def close(self) -> None:
        """Stop the views under way and the producer."""
        await self.views.close()
        await self.publisher.close()


def portal_of(app: Any) -> Portal:
    """The app's portal (a FastAPI app: `app.state.settings`), made on first use."""
    state = app.state
    if getattr(state, "portal", None) is None:
        state.portal = Portal.of(state.settings)
    found: Portal = state.portal
    return found
