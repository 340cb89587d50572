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
    "postgis": "app.storage.postgis:PostgisStore",
}


def open_store(settings: Settings) -> Store:
    """Open (creating or migrating as needed) the store the settings name."""
    target = BACKENDS.get(settings.backend)
    if target is None:
        raise StoreUnavailable(
            f"the {settings.backend} backend is not available in this version of aidmap"
        )
    module_name, class_name = target.split(":")
    try:
        store_class = getattr(import_module(module_name), class_name)
    except ImportError as exc:
        raise StoreUnavailable(
            f"the {settings.backend} backend needs a package that is not installed "
            f"({exc.name}): pip install 'aidmap[postgis]'"
        ) from None
    return store_class(settings.database_url)
