"""Storage backends behind one interface (``app.storage.base.Store``).

Backends are imported lazily by name, so the SQLite default never imports the
PostgreSQL driver.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from app.storage.base import Store, StoreUnavailable

if TYPE_CHECKING:
    from app.core.config import Settings

BACKENDS = {
    "sqlite": "app.storage.sqlite:SqliteStore",
}


def open_store(settings: Settings) -> Store:
    """Open (creating or migrating as needed) the store the settings name."""
    target = BACKENDS.get(settings.backend)
    if target is None:
        raise StoreUnavailable(
            f"the {settings.backend} backend is not available in this version of aidmap"
        )
    module_name, class_name = target.split(":")
    store_class = getattr(import_module(module_name), class_name)
    return store_class(settings.database_url)
