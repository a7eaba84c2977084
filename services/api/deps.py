"""Request-scoped access to what `create_app` was given, and table presence."""

import threading
from typing import Annotated

from fastapi import Depends, Request

from projections.db import Tx, ViewDB
from services.settings import Settings
from services.store import EventStore


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> EventStore:
    return request.app.state.store


def get_db(request: Request) -> ViewDB:
    return request.app.state.db


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[EventStore, Depends(get_store)]
DBDep = Annotated[ViewDB, Depends(get_db)]


class Tables:
    """Which view tables exist: a projection that never ran has not created its table yet.

    Tables are never dropped, so a table once seen is remembered and not asked again.
    """

    def __init__(self, db: ViewDB) -> None:
        self._db = db
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def has(self, tx: Tx, name: str) -> bool:
        if name in self._seen:
            return True
        if self._db.postgres:
            row = tx.one("SELECT to_regclass(?) IS NOT NULL AS found", (name,))
        else:
            row = tx.one(
                "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            )
        found = bool(row and row["found"])
        if found:
            with self._lock:
                self._seen.add(name)
        return found


def get_tables(request: Request) -> Tables:
    return request.app.state.tables


TablesDep = Annotated[Tables, Depends(get_tables)]
