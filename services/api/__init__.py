"""Read API and live dashboard (docs/contract.md §6): `create_app(settings, store, db)`."""

from services.api.app import create_app

__all__ = ["create_app"]
