"""Nearest resources open for a service, answered from memory and kept current.

Each kind's locations live in a ``PointIndex`` (with the resources themselves), rebuilt
only when the store's ``resources_changed_at`` moves. Each asked-for service's statuses
live in arrays (state, last check) kept current from ``status_history``: before every
query the finder reads the store's change counter, and after any commit a refresh in the
finder's own thread applies the history rows it has not seen (and rebuilds what an import
outdated), so the next query after any update sees it, from this process or another one.

On PostGIS the finder can instead ask the database's KNN index on every query
(``in_database``, setting ``AIDMAP_NEAREST_INDEX=database``): the same answers, no memory
per replica, but every query then costs the one database all replicas share.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from starlette.concurrency import run_in_threadpool

from app.domain.layers import Area
from app.domain.records import ResourceView
from app.domain.statuses import State
from app.geo.distance import bearing_deg
from app.geo.nearest import Candidates, refine
from app.geo.sphere import unit_vector, unit_vectors
from app.services.nearest_facts import resource_accepts
from app.services.nearest_kinds import KindPoints
from app.services.nearest_statuses import (
    MAX_QUALIFIED,
    REBUILD_AFTER,
    Qualified,
    ServiceStatuses,
)
from app.storage.errors import NotFound
from app.storage.port import Store


@dataclass(frozen=True, slots=True)
class NearestQuery:
    """Where from, what kind, open for which service, how many, how far.

    ``states`` None takes any status for ``service`` (or none), as ``fresh`` is then not
    asked; ``offers`` keeps resources that list ``service``, ``district_id`` those of one
    district, ``phones`` those with a phone number."""

    lon: float
    lat: float
    kind: str = "hospital"
    service: str | None = None
    states: frozenset[State] | None = frozenset({State.open})
    fresh: bool = True
    k: int = 5
    max_m: float | None = None
    offers: bool = False
    district_id: int | None = None
    phones: bool = False

    def facts(self) -> dict:
        """The keyword arguments of ``ResourceFacts.accept`` for this query."""
        offers = self.service if self.offers else None
        return {"offers": offers, "district_id": self.district_id, "phones": self.phones}

    @property
    def filters_facts(self) -> bool:
        """True when the query filters on more than statuses."""
        return self.offers or self.district_id is not None or self.phones


Need = tuple[str, str | None, frozenset[State] | None]
"""What a query needs cached: its kind, service and states."""


@dataclass(frozen=True, slots=True)
class NearestHit:
    """One answer: the resource with the asked service's status, how far and which way."""

    view: ResourceView
    distance_m: float
    bearing_deg: float


class NearestFinder:
    """Answers nearest queries against one store from caches it keeps current.

    Catching up with the store (reading new history, rebuilding a kind's index after an
    import: ~2 s at 100k resources) happens in the finder's own thread, one refresh at a
    time; queries that need it wait for that refresh (``find`` in a worker thread,
    ``find_async`` without blocking the event loop), and every other query answers from
    memory at once. The lock guards the caches only for the moments they are read or
    swapped, never while the store is read.
    """

    def __init__(self, store: Store, in_database: bool = False) -> None:
        """``in_database``: answer every query with the store's own KNN index (PostGIS)
        instead of the in-memory one."""
        if in_database and not store.has_spatial_index:
            raise ValueError(f"the {store.backend} store has no spatial index")
        self.store = store
        self.in_database = in_database
        self._lock = threading.Lock()
        self._kinds: dict[str, tuple[str | None, KindPoints]] = {}
        """Per kind: the resources marker it was built at, and its points."""
        self._services: dict[str, ServiceStatuses] = {}
        self._history_id = 0
        self._seen_change: int | None = None
        self._resources_marker: str | None = None
        self.service_codes: frozenset[str] = frozenset()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="aidmap-nearest")
        self._refresh: Future | None = None
        self._started = 0  # refreshes started
        self._finished = 0  # the number of the last refresh that finished

    def find(self, query: NearestQuery, now: datetime, ttl_hours: float) -> list[NearestHit]:
        """The k nearest resources of the kind whose status for the service qualifies
        (from a worker thread: it may wait for a refresh)."""
        if self.in_database:
            return self._find_in_database(query, now, ttl_hours)
        self.prepare(query.kind, query.service, query.states)
        return self._answer(query, now, ttl_hours)

    async def find_async(
        self, query: NearestQuery, now: datetime, ttl_hours: float
    ) -> list[NearestHit]:
        """``find`` from the event loop: a refresh is awaited, a database query runs in a
        worker thread, and only the in-memory answer runs on the loop."""
        if self.in_database:
            return await run_in_threadpool(self._find_in_database, query, now, ttl_hours)
        await self.prepare_async(query.kind, query.service, query.states)
        return self._answer(query, now, ttl_hours)

    def find_prepared(
        self, query: NearestQuery, now: datetime, ttl_hours: float
    ) -> list[NearestHit]:
        """``find`` from memory as the caches are, after ``prepare_async`` for the query's
        kind, service and states (on the event loop: no store reads, no waiting)."""
        return self._answer(query, now, ttl_hours)

    def prepare(
        self, kind: str, service: str | None = None, states: frozenset[State] | None = None
    ) -> None:
        """Bring the caches a query of ``kind``, ``service`` and ``states`` needs up to
        every commit made before this call, waiting in this thread."""
        arrival = self._started
        while (refresh := self._refresh_for((kind, service, states), arrival)) is not None:
            refresh.result()

    async def prepare_async(
        self,
        kind: str,
        service: str | None = None,
        states: frozenset[State] | None = None,
        counter: int | None = None,
    ) -> None:
        """``prepare`` without blocking the event loop while a refresh runs. ``counter``:
        the store's change counter as the caller read it when its request came (one read
        per request, not one per kind); a refresh it waits for reads it again."""
        arrival = self._started
        need = (kind, service, states)
        while (refresh := self._refresh_for(need, arrival, counter)) is not None:
            await asyncio.wrap_future(refresh)
            counter = None

    def close(self) -> None:
        """Let the refresh thread end (a running refresh finishes on its own)."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _service_codes(self) -> frozenset[str]:
        """Service codes, read again only after a commit (for ``in_database`` queries,
        which keep no other cache)."""
        counter = self.store.change_counter()
        if counter is None or counter != self._seen_change:
            self.service_codes = frozenset(s.code for s in self.store.list_services())
            self._seen_change = counter
        return self.service_codes

    def _refresh_for(self, need: Need, arrival: int, counter: int | None = None) -> Future | None:
        """None when the caches answer as of ``arrival`` (the refreshes started when the
        query came) or later; else the refresh to wait for, started if none runs. A
        refresh started after ``arrival`` saw every commit made before the query.
        ``counter``: the change counter read when the query came (else read here)."""
        if counter is None:
            counter = self.store.change_counter()
        with self._lock:
            seen_all = self._finished > arrival or (
                counter is not None and counter == self._seen_change
            )
            if seen_all and self._has(*need):
                return None
            if self._refresh is None or self._refresh.done():
                self._started += 1
                self._refresh = self._worker.submit(self._catch_up, need, self._started)
            return self._refresh

    def _has(self, kind: str, service: str | None, states: frozenset[State] | None) -> bool:
        cached = self._kinds.get(kind)
        if cached is None or cached[0] != self._resources_marker:
            return False
        if service is None or service not in self.service_codes:
            return True
        statuses = self._services.get(service)
        if statuses is None:
            return False
        kept = statuses.qualified
        return states is None or (kind, states) in kept or len(kept) >= MAX_QUALIFIED

    def _answer(self, query: NearestQuery, now: datetime, ttl_hours: float) -> list[NearestHit]:
        """The answer from the caches as they are (the in-memory path: no store reads)."""
        with self._lock:
            if query.service is not None and query.service not in self.service_codes:
                raise NotFound(f"no service {query.service!r}")
            _, kind_points = self._kinds[query.kind]
            index, resources, facts = kind_points.index, kind_points.by_id, kind_points.facts
            statuses = self._services.get(query.service) if query.service else None
            states = query.states
            oldest = (now - timedelta(hours=ttl_hours)).timestamp() if query.fresh else None
            by_status = statuses is not None and states is not None
            by_facts = query.filters_facts
            qualified = statuses.qualified.get((query.kind, states)) if by_status else None
            points = index
            if query.district_id is not None:  # its own points: refusing all others costs
                points = kind_points.districts.get(query.district_id)  # a scan if none do
                if points is None:
                    return []
                qualified = None
            accept = None
            if qualified is not None:
                accept = functools.partial(qualified.accept, oldest=oldest)
            elif by_status:
                accept = functools.partial(statuses.accept, states=states, oldest=oldest)
            if by_facts:
                status_ok = accept

                def accept(ids: np.ndarray) -> np.ndarray:
                    ok = facts.accept(ids, **query.facts())
                    return ok if status_ok is None else ok & status_ok(ids)

            search = points.nearest if qualified is None else qualified.nearest
            found = search(query.lon, query.lat, query.k, accept, query.max_m)
            by_id = statuses.by_id if statuses else []
            hits = []
            for neighbour in found:
                r = resources[neighbour.id]
                status = by_id[neighbour.id] if neighbour.id < len(by_id) else None
                view = ResourceView(r, {query.service: status} if status else {})
                bearing = bearing_deg(query.lon, query.lat, r.lon, r.lat)
                hits.append(NearestHit(view, neighbour.distance_m, bearing))
            return hits

    def _find_in_database(
        self, query: NearestQuery, now: datetime, ttl_hours: float
    ) -> list[NearestHit]:
        """The same answer from the database's own KNN index (PostGIS): nothing cached, so
        every replica answers from the current data."""
        if query.service is not None and query.service not in self._service_codes():
            raise NotFound(f"no service {query.service!r}")
        by_status = query.states is not None
        area = Area(
            service=query.service if by_status else None,
            states=query.states or frozenset(),
            checked_since=now - timedelta(hours=ttl_hours) if query.fresh else None,
        )

        views: dict[int, ResourceView] = {}
        accept = None
        if query.filters_facts:

            def accept(ids: np.ndarray) -> np.ndarray:
                found = (resource_accepts(views[int(i)].resource, **query.facts()) for i in ids)
                return np.fromiter(found, dtype=bool, count=len(ids))

        def candidates(fetch: int) -> Candidates:
            found = self.store.nearest_in(
                query.kind, query.lon, query.lat, area, query.max_m, fetch
            )
            views.update((view.resource.id, view) for view in found)
            ids = np.fromiter((v.resource.id for v in found), np.int64, len(found))
            lons = np.fromiter((v.resource.lon for v in found), np.float64, len(found))
            lats = np.fromiter((v.resource.lat for v in found), np.float64, len(found))
            return ids, unit_vectors(lons, lats), len(found) < fetch

        # The database filters statuses, so one more than k is usually enough to know the
        # k-th; filters on other facts run here, on more candidates.
        first = None if accept else query.k + 1
        origin = np.array(unit_vector(query.lon, query.lat))
        found = refine(origin, query.k, candidates, accept, query.max_m, first)
        if not by_status and query.service is not None and found:  # the statuses, as well
            for view in self.store.view_resources(ids=[n.id for n in found], limit=len(found)):
                status = view.statuses.get(query.service)
                statuses = {query.service: status} if status else {}
                views[view.resource.id] = ResourceView(views[view.resource.id].resource, statuses)
        return [self._hit(query, views[n.id], n.distance_m) for n in found]

    @staticmethod
    def _hit(query: NearestQuery, view: ResourceView, distance_m: float) -> NearestHit:
        resource = view.resource
        bearing = bearing_deg(query.lon, query.lat, resource.lon, resource.lat)
        return NearestHit(view, distance_m, bearing)

    def _catch_up(self, need: Need, number: int) -> None:
        """In the finder's thread: read what changed, rebuild what it outdated, swap it in."""
        kind, service, states = need
        counter = self.store.change_counter()  # first: a commit after it moves it again
        codes = frozenset(s.code for s in self.store.list_services())
        marker = self.store.resources_changed_at()
        self._apply_history(until=self.store.last_history_id())
        cached = self._kinds.get(kind)
        if cached is None or cached[0] != marker:
            built = KindPoints.build(self.store, kind)
            with self._lock:
                self._kinds[kind] = (marker, built)
                for statuses in self._services.values():  # built on the kind's old points
                    for key in [key for key in statuses.qualified if key[0] == kind]:
                        del statuses.qualified[key]
        if service in codes and service not in self._services:
            statuses, last_id = self.store.status_snapshot(service)
            built_statuses = ServiceStatuses(statuses)
            self._apply_history(until=last_id)  # the other services up to the snapshot
            with self._lock:
                self._services[service] = built_statuses
        self._build_qualified(kind, service, states)
        with self._lock:
            self.service_codes, self._resources_marker = codes, marker
            self._seen_change, self._finished = counter, number

    def _build_qualified(
        self, kind: str, service: str | None, states: frozenset[State] | None
    ) -> None:
        """Build the qualified points a query asks for, and again those changed much since
        (statuses change only in this thread, so none changes while they are built)."""
        todo = [
            (statuses, key)
            for statuses in self._services.values()
            for key, qualified in statuses.qualified.items()
            if qualified.changes > REBUILD_AFTER
        ]
        asked = self._services.get(service) if states is not None else None
        room = asked is not None and len(asked.qualified) < MAX_QUALIFIED  # beyond: every point
        if room and (kind, states) not in asked.qualified:
            todo.append((asked, (kind, states)))
        for statuses, (of_kind, of_states) in todo:
            _, kind_points = self._kinds[of_kind]
            index, resources = kind_points.index, kind_points.resources
            built = Qualified(index, resources, statuses, of_states)
            with self._lock:
                statuses.qualified[of_kind, of_states] = built

    def _apply_history(self, until: int) -> None:
        """Apply history rows up to ``until`` to the cached services (none cached: skip)."""
        if not self._services:
            self._history_id = max(self._history_id, until)
            return
        while self._history_id < until:
            rows = self.store.history_after(self._history_id)
            if not rows:
                return
            with self._lock:
                for row in rows:
                    cache = self._services.get(row.status.service)
                    if cache is not None:
                        cache.put(row.status)
                    self._history_id = row.id
