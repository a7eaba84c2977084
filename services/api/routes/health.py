"""Liveness and readiness: open endpoints, no token needed."""

import asyncio
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from services.api.deps import DBDep, SettingsDep, StoreDep
from services.api.problems import ProblemError, problems
from services.kafka import broker_answers

router = APIRouter(tags=["health"])
KAFKA_TIMEOUT_SECONDS = 2.0


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, str]


@router.get("/health", summary="Liveness: the process answers")
def health() -> Health:
    return Health()


def _store_answers(store: StoreDep, db: DBDep) -> bool:
    try:
        store.max_notification_id()
        with db.read() as tx:
            tx.one("SELECT 1 AS ok")
        return True
    except Exception:
        return False


@router.get(
    "/ready",
    summary="Readiness: Kafka and the store answer",
    responses=problems(503),
)
async def ready(settings: SettingsDep, store: StoreDep, db: DBDep) -> Ready:
    kafka, store_ok = await asyncio.gather(
        broker_answers(settings, timeout=KAFKA_TIMEOUT_SECONDS),
        asyncio.to_thread(_store_answers, store, db),
    )
    checks = {"kafka": "ok" if kafka else "failed", "store": "ok" if store_ok else "failed"}
    failed = [name for name, result in checks.items() if result != "ok"]
    if failed:
        raise ProblemError(
            503,
            "not-ready",
            "Service not ready",
            " and ".join(failed) + (" does" if len(failed) == 1 else " do") + " not answer",
            checks=checks,
        )
    return Ready(checks=checks)
