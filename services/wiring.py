"""Which projections exist, built from the settings: the one place that lists them."""

from collections.abc import Callable

from projections.runner import Projection
from projections.sla import SlaPolicy, load_sla
from services.settings import Settings


def projection_factories(sla: SlaPolicy) -> dict[str, Callable[[], Projection]]:
    from projections.alerts_view import AlertsProjection
    from projections.audit_view import AuditProjection
    from projections.commitments_view import CommitmentsProjection
    from projections.performance_view import PerformanceProjection
    from projections.status_view import StatusProjection

    return {
        "status": StatusProjection,
        "audit": AuditProjection,
        "alerts": lambda: AlertsProjection(sla),
        "performance": lambda: PerformanceProjection(sla),
        "commitments": CommitmentsProjection,
    }


PROJECTION_NAMES = ("status", "audit", "alerts", "performance", "commitments")


def build_projections(settings: Settings, names: list[str] | None = None) -> list[Projection]:
    """The named projections (all when `names` is empty); ValueError on an unknown name."""
    factories = projection_factories(load_sla(settings.sla_file))
    chosen = names or list(PROJECTION_NAMES)
    unknown = sorted(set(chosen) - set(factories))
    if unknown:
        raise ValueError(
            f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(PROJECTION_NAMES)}"
        )
    return [factories[name]() for name in chosen]
