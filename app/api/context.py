"""What the running app holds for its requests, in one typed object on ``app.state``.

Routes reach it through ``deps.ContextDep`` (or the narrower aliases there), never through
``request.app.state`` attribute by attribute: a misspelt name is then a type error, not
an ``AttributeError`` at the first request that needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from app.api.import_gate import ImportGate
from app.core.config import Settings
from app.services.auth import RecentSignIns
from app.services.events import StatusEvents
from app.services.exports.snapshot_cache import SnapshotCache
from app.services.geocoding import ChainHolder
from app.services.help.stats import KeptStats
from app.services.image_cache import ImageCache
from app.services.nearest import NearestFinder
from app.services.shared_limits import Limiter, StoreRateLimiter
from app.storage.port import RateStore, Store

FAILED_AUTH_LIMIT = (10, 60.0)
"""Failed sign-ins allowed per client address per window (seconds)."""
PUBLIC_REPORT_LIMIT = (10, 600.0)
"""Problem reports accepted per client address per window (seconds)."""
PUBLIC_SHARE_LIMIT = (30, 600.0)
"""Shares created per client address per window (seconds)."""
FAILED_SHARE_LOOKUP_LIMIT = (20, 600.0)
"""Unknown share codes asked per client address per window (seconds): 2,880 a day."""
PUBLIC_IMPORT_LIMIT = (10, 600.0)
"""Import dry runs without a coordinator's token per client address per window (seconds)."""
PUBLIC_EXPORT_LIMIT = (10, 600.0)
"""Whole-layer exports per client address per window (seconds)."""
HELP_INTAKE_LIMIT = (30, 600.0)
"""Help requests accepted per client address per window (seconds): generous, since phones
behind one carrier's NAT share an address."""
FAILED_HELP_LINK_LIMIT = FAILED_AUTH_LIMIT
"""Unknown tracking secrets asked per client address per window, counted like failed
sign-ins but apart from them: a stranger's token guesses from a shared (NAT) address do
not lock requesters there out of their tracking pages."""
HELP_PHONE_LIMIT = (5, 86_400.0)
"""Help requests accepted per phone number per window (seconds): a repeat within a day is
merged anyway; more is someone else's number being used."""


LIMITS = {
    "failed_auth": FAILED_AUTH_LIMIT,
    "public_reports": PUBLIC_REPORT_LIMIT,
    "public_shares": PUBLIC_SHARE_LIMIT,
    "failed_share_lookups": FAILED_SHARE_LOOKUP_LIMIT,
    "public_imports": PUBLIC_IMPORT_LIMIT,
    "public_exports": PUBLIC_EXPORT_LIMIT,
    "help_intake": HELP_INTAKE_LIMIT,
    "help_phones": HELP_PHONE_LIMIT,
    "failed_help_links": FAILED_HELP_LINK_LIMIT,
}
"""Each budget of ``Limiters`` by name (the name is its bucket in the store)."""


@dataclass(frozen=True)
class Limiters:
    """Per-client-address (and per-phone) budgets of the public routes, counted in the
    store so that they hold across workers and replicas (``Limiters.in_store``)."""

    failed_auth: Limiter
    public_reports: Limiter
    public_shares: Limiter
    failed_share_lookups: Limiter
    public_imports: Limiter
    public_exports: Limiter
    help_intake: Limiter
    help_phones: Limiter
    failed_help_links: Limiter

    @classmethod
    def in_store(cls, store: RateStore) -> Limiters:
        """Every budget at its limit, counted in ``store``."""
        return cls(**{
            name: StoreRateLimiter(store, name, *limit) for name, limit in LIMITS.items()
        })  # fmt: skip


@dataclass(frozen=True)
class AppContext:
    """The store and the services built on it while the app runs (from its lifespan)."""

    settings: Settings
    clock: Callable[[], datetime]
    store: Store
    geocoders: ChainHolder
    nearest: NearestFinder
    events: StatusEvents
    imports: ImportGate
    signed_in: RecentSignIns
    limits: Limiters
    posters: ImageCache = field(default_factory=ImageCache)
    snapshots: SnapshotCache = field(default_factory=SnapshotCache)
    """Offline map files built for ``GET /api/v1/exports/map.html``."""
    help_stats: KeptStats = field(default_factory=KeptStats)


def context_of(request: Request) -> AppContext:
    """What the app's lifespan built, for a hot route that cannot afford a dependency
    (each costs FastAPI a solve per request, more than this call)."""
    return request.app.state.context


async def app_context(request: Request) -> AppContext:
    """What the app's lifespan built: the one way routes reach it (``context_of`` where a
    dependency costs too much)."""
    return context_of(request)


ContextDep = Annotated[AppContext, Depends(app_context)]
