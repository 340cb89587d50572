"""Storage backends behind one interface (``app.storage.port.Store``).

Backends are imported lazily by name, so the SQLite default never imports the
PostgreSQL driver.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from app.storage.errors import StoreUnavailable
from app.storage.port import Store

BACKENDS = {
    "sqlite": "app.storage.sqlite:SqliteStore",
    "postgis": "app.storage.postgis:PostgisStore",
}


class StoreLocation(Protocol):
    """Which backend, and where its database is (the app's settings are one)."""

    @property
    def backend(self) -> str:
        """A name of ``BACKENDS``."""

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the database."""

    @property
    def filter_timeout_s(self) -> float:
        """How long one statement of a read with a public filter may run."""


def open_store(location: StoreLocation) -> Store:
    """Open (creating or migrating as needed) the store ``location`` names."""
    target = BACKENDS.get(location.backend)
    if target is None:
        raise StoreUnavailable(
            f"the {location.backend} backend is not available in this version of aidmap"
        )
    module_name, class_name = target.split(":")
    try:
        store_class = getattr(import_module(module_name), class_name)
    except ImportError as exc:
        raise StoreUnavailable(
            f"the {location.backend} backend needs a package that is not installed "
            f"({exc.name}): pip install 'aidmap[postgis]'"
        ) from None
    store = store_class(location.database_url)
    store.filter_timeout_s = location.filter_timeout_s
    return store
