"""Request-scoped access to what `create_app` was given."""

from typing import Annotated

from fastapi import Depends, Request

from projections.sla import SlaPolicy
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> EventStore:
    return request.app.state.store


def get_db(request: Request) -> ViewDB:
    return request.app.state.db


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[EventStore, Depends(get_store)]
DBDep = Annotated[ViewDB, Depends(get_db)]


def get_sla(request: Request) -> SlaPolicy:
    return request.app.state.sla


SlaDep = Annotated[SlaPolicy, Depends(get_sla)]
