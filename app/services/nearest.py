"""Nearest resources open for a service: a location index per kind, statuses read fresh.

Locations change rarely, so each kind's ``PointIndex`` is rebuilt only when the store's
``resources_changed_at`` moves. Statuses change all the time, so they are never indexed:
the filter reads the statuses of the candidates the index proposes, from the store, in
the same request, so the next query after any update sees it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from app.geo.distance import bearing_deg
from app.geo.nearest import PointIndex
from app.services.freshness import matches
from app.storage.base import RESOURCES_CHANGED, ResourceView, State, Store


@dataclass(frozen=True, slots=True)
class NearestQuery:
    """Where from, what kind, open for which service, how many, how far."""

    lon: float
    lat: float
    kind: str = "hospital"
    service: str | None = None
    states: frozenset[State] = frozenset({State.open})
    fresh: bool = True
    k: int = 5
    max_m: float | None = None


@dataclass(frozen=True, slots=True)
class NearestHit:
    """One answer: the resource with its statuses, how far and which way."""

    view: ResourceView
    distance_m: float
    bearing_deg: float


class NearestFinder:
    """Answers nearest queries against one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._indexes: dict[str, tuple[str | None, PointIndex]] = {}

    def index(self, kind: str) -> PointIndex:
        """The location index of one kind, rebuilt if resources changed since it was built."""
        marker = self.store.get_meta(RESOURCES_CHANGED)
        with self._lock:
            cached = self._indexes.get(kind)
            if cached is None or cached[0] != marker:
                resources = self.store.list_resources(kind=kind, limit=10_000_000)
                index = PointIndex(
                    np.array([r.id for r in resources], dtype=np.int64),
                    np.array([r.lon for r in resources]),
                    np.array([r.lat for r in resources]),
                )
                cached = self._indexes[kind] = (marker, index)
            return cached[1]

    def find(self, query: NearestQuery, now: datetime, ttl_hours: float) -> list[NearestHit]:
        """The k nearest resources of the kind whose status for the service qualifies."""
        accept = None
        if query.service is not None:
            service, states = query.service, set(query.states)

            def accept(ids: np.ndarray) -> np.ndarray:
                statuses = self.store.statuses_for(ids.tolist(), service)
                return np.array(
                    [
                        matches(statuses.get(int(i)), states, query.fresh, now, ttl_hours)
                        for i in ids
                    ],
                    dtype=bool,
                )

        found = self.index(query.kind).nearest(query.lon, query.lat, query.k, accept, query.max_m)
        views = {
            v.resource.id: v
            for v in self.store.view_resources(ids=[n.id for n in found], limit=len(found) or 1)
        }
        return [
            NearestHit(
                view=views[n.id],
                distance_m=n.distance_m,
                bearing_deg=bearing_deg(
                    query.lon, query.lat, views[n.id].resource.lon, views[n.id].resource.lat
                ),
            )
            for n in found
            if n.id in views
        ]
