"""The storage port: one protocol per area of the store (the modules of this package),
mirroring the SQL store's parts (``sql_units``, ``sql_resources``, ``sql_edits``,
``sql_locations``, ``sql_layers``, ``sql_statuses``, ``sql_access``, ``sql_sessions``,
``sql_claims``, ``sql_shares``, ``sql_rates``, ``sql_sources``, ``sql_help``,
``sql_learned``, the geocoder cache and administration in ``sql``), and ``Store``, their
union, which every backend implements.

Services take the narrowest protocol that covers what they call. Coordinates are WGS-84
longitude/latitude in degrees; times are timezone-aware UTC; failures are the errors of
``app.storage.errors``.
"""

from __future__ import annotations

from typing import Protocol

from app.storage.port.admin import Progress, StoreAdmin
from app.storage.port.help import HelpStore
from app.storage.port.people import AccessStore, RateStore, SessionStore, ShareStore
from app.storage.port.places import GeocodeCacheStore, LayerStore, LearnedStore, UnitStore
from app.storage.port.resources import EditStore, LocationStore, ResourceStore
from app.storage.port.sources import SourceStore
from app.storage.port.statuses import ClaimStore, StatusStore

__all__ = [
    "AccessStore", "ClaimStore", "EditStore", "GeocodeCacheStore", "HelpStore", "LayerStore",
    "LearnedStore", "LocationStore", "Progress", "RateStore", "ResourceStore", "SessionStore",
    "ShareStore", "SourceStore", "StatusStore", "Store", "StoreAdmin", "UnitStore",
]  # fmt: skip


class Store(
    StoreAdmin,
    UnitStore,
    GeocodeCacheStore,
    ResourceStore,
    EditStore,
    LocationStore,
    LayerStore,
    StatusStore,
    AccessStore,
    SessionStore,
    ClaimStore,
    ShareStore,
    RateStore,
    SourceStore,
    HelpStore,
    LearnedStore,
    Protocol,
):
    """Persistent storage of units, resources, statuses, history and help requests: every
    area at once."""
