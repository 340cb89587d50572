"""Nearest resources open for a service, answered from memory and kept current.

Each kind's locations live in a ``PointIndex`` (with the resources themselves), rebuilt
only when the store's ``resources_changed_at`` moves. Each asked-for service's statuses
live in arrays (state, last check) kept current from ``status_history``: before every
query the finder reads the newest history id and applies the rows it has not seen, so
the next query after any update sees it, from this process or another one.

On PostGIS the finder can instead ask the database's KNN index on every query
(``in_database``, setting ``AIDMAP_NEAREST_INDEX=database``): the same answers, no memory
per replica, but every query then costs the one database all replicas share.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from app.geo.distance import bearing_deg
from app.geo.nearest import Candidates, PointIndex, refine
from app.services.freshness import checked_at
from app.storage.base import (
    RESOURCES_CHANGED,
    Area,
    IntakeStatus,
    Resource,
    ResourceView,
    State,
    Store,
)

STATE_CODES = {state: code for code, state in enumerate(State, start=1)}


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
    """One answer: the resource with the asked service's status, how far and which way."""

    view: ResourceView
    distance_m: float
    bearing_deg: float


class _ServiceStatuses:
    """One service's current statuses: objects by id, and arrays for vectorised filters."""

    def __init__(self, statuses: dict[int, IntakeStatus]) -> None:
        self.by_id: dict[int, IntakeStatus] = {}
        size = max(statuses, default=0) + 1
        self.state = np.zeros(size, dtype=np.int8)
        self.checked = np.zeros(size, dtype=np.float64)
        for status in statuses.values():
            self.put(status)

    def put(self, status: IntakeStatus) -> None:
        rid = status.resource_id
        if rid >= len(self.state):
            grow = max(rid + 1, 2 * len(self.state))
            self.state = np.concatenate([self.state, np.zeros(grow - len(self.state), np.int8)])
            self.checked = np.concatenate([self.checked, np.zeros(grow - len(self.checked))])
        self.by_id[rid] = status
        self.state[rid] = STATE_CODES[status.state]
        self.checked[rid] = checked_at(status).timestamp()

    def accept(self, ids: np.ndarray, states: frozenset[State], oldest: float | None):
        inside = ids < len(self.state)
        safe = np.where(inside, ids, 0)
        wanted = np.zeros(len(STATE_CODES) + 1, dtype=bool)  # by state code; 0 = none
        wanted[[STATE_CODES[s] for s in states]] = True
        ok = inside & wanted[self.state[safe]]
        if oldest is not None:
            ok &= self.checked[safe] >= oldest
        return ok


class NearestFinder:
    """Answers nearest queries against one store from caches it keeps current."""

    def __init__(self, store: Store, in_database: bool = False) -> None:
        """``in_database``: answer every query with the store's own KNN index (PostGIS)
        instead of the in-memory one."""
        if in_database and not store.has_spatial_index:
            raise ValueError(f"the {store.backend} store has no spatial index")
        self.store = store
        self.in_database = in_database
        self._lock = threading.Lock()
        self._kinds: dict[str, tuple[str | None, PointIndex, dict[int, Resource]]] = {}
        self._services: dict[str, _ServiceStatuses] = {}
        self._history_id = 0
        self._seen_change: int | None = None
        self._resources_marker: str | None = None
        self.service_codes: frozenset[str] = frozenset()

    def find(self, query: NearestQuery, now: datetime, ttl_hours: float) -> list[NearestHit]:
        """The k nearest resources of the kind whose status for the service qualifies."""
        if self.in_database:
            return self._find_in_database(query, now, ttl_hours)
        with self._lock:
            self._refresh_if_changed()
            index, resources = self._kind(query.kind)
            accept = None
            statuses = self._service(query.service) if query.service else None
            if statuses is not None:
                oldest = (now - timedelta(hours=ttl_hours)).timestamp() if query.fresh else None
                states = query.states

                def accept(ids: np.ndarray) -> np.ndarray:
                    return statuses.accept(ids, states, oldest)

            found = index.nearest(query.lon, query.lat, query.k, accept, query.max_m)
            hits = []
            for neighbour in found:
                resource = resources[neighbour.id]
                status = statuses.by_id.get(resource.id) if statuses else None
                view = ResourceView(resource, {query.service: status} if status else {})
                hits.append(self._hit(query, view, neighbour.distance_m))
            return hits

    def _find_in_database(
        self, query: NearestQuery, now: datetime, ttl_hours: float
    ) -> list[NearestHit]:
        """The same answer from the database's own KNN index (PostGIS): nothing cached, so
        every replica answers from the current data."""
        area = Area(
            service=query.service,
            states=query.states,
            checked_since=now - timedelta(hours=ttl_hours) if query.fresh else None,
        )

        views: dict[int, ResourceView] = {}

        def candidates(fetch: int) -> Candidates:
            found = self.store.nearest_in(
                query.kind, query.lon, query.lat, area, query.max_m, fetch
            )
            views.update((view.resource.id, view) for view in found)
            ids = np.fromiter((v.resource.id for v in found), np.int64, len(found))
            lons = np.fromiter((v.resource.lon for v in found), np.float64, len(found))
            lats = np.fromiter((v.resource.lat for v in found), np.float64, len(found))
            return ids, lons, lats, len(found) < fetch

        # The database filters, so one more than k is usually enough to know the k-th.
        found = refine(
            query.lon, query.lat, query.k, candidates, max_m=query.max_m, first_fetch=query.k + 1
        )
        return [self._hit(query, views[n.id], n.distance_m) for n in found]

    @staticmethod
    def _hit(query: NearestQuery, view: ResourceView, distance_m: float) -> NearestHit:
        resource = view.resource
        bearing = bearing_deg(query.lon, query.lat, resource.lon, resource.lat)
        return NearestHit(view, distance_m, bearing)

    def known_services(self) -> frozenset[str]:
        """Service codes, as of the last change the finder saw."""
        with self._lock:
            self._refresh_if_changed()
            return self.service_codes

    def _refresh_if_changed(self) -> bool:
        """Catch up with the store unless its change counter says nothing was committed."""
        counter = self.store.change_counter()
        if counter is not None and counter == self._seen_change:
            return False
        self._seen_change = counter
        self.service_codes = frozenset(s.code for s in self.store.list_services())
        self._resources_marker = self.store.get_meta(RESOURCES_CHANGED)
        self._catch_up()
        return True

    def _kind(self, kind: str) -> tuple[PointIndex, dict[int, Resource]]:
        """The kind's index, rebuilt when resources changed since it was built."""
        marker = self._resources_marker
        cached = self._kinds.get(kind)
        if cached is None or cached[0] != marker:
            resources = {r.id: r for r in self.store.list_resources(kind=kind, limit=10_000_000)}
            index = PointIndex(
                np.fromiter(resources, dtype=np.int64, count=len(resources)),
                np.array([r.lon for r in resources.values()]),
                np.array([r.lat for r in resources.values()]),
            )
            cached = self._kinds[kind] = (marker, index, resources)
        return cached[1], cached[2]

    def _service(self, service: str) -> _ServiceStatuses:
        cached = self._services.get(service)
        if cached is None:
            statuses, last_id = self.store.status_snapshot(service)
            cached = self._services[service] = _ServiceStatuses(statuses)
            self._apply_history(until=last_id)  # the other services up to the snapshot
        return cached

    def _catch_up(self) -> None:
        last = self.store.last_history_id()
        if last > self._history_id:
            if self._services:
                self._apply_history()
            else:  # nothing cached yet: no need to read old history
                self._history_id = last

    def _apply_history(self, until: int | None = None) -> None:
        while until is None or self._history_id < until:
            rows = self.store.history_after(self._history_id)
            if not rows:
                return
            for row in rows:
                cache = self._services.get(row.status.service)
                if cache is not None:
                    cache.put(row.status)
                self._history_id = row.id
