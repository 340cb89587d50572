"""One service's statuses in the nearest finder's memory, and the points they qualify.

``ServiceStatuses`` holds each resource's current state and last check in arrays, so a
filter over candidates is a few array lookups. ``Qualified`` narrows a kind's points to
those whose state is in a set of states: a query for open hospitals then searches the
open ones only, instead of every hospital with most candidates refused. Statuses change
after it is built; each change is noted, so a point that qualifies since is searched
besides the built index (one that no longer qualifies is refused by its filter, kept
current with every change), and the finder rebuilds it after ``REBUILD_AFTER`` changes.
Freshness is never part of what was built: it is checked on the candidates, against the
query's own time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import numpy as np

from app.domain.records import Resource
from app.domain.statuses import IntakeStatus, State
from app.geo.nearest import Neighbour, PointIndex, refine
from app.geo.nearest_cells import CandidateCells
from app.geo.sphere import unit_vector, unit_vectors
from app.services.freshness import checked_at

STATE_CODES = {state: code for code, state in enumerate(State, start=1)}
REBUILD_AFTER = 64
"""Changes to a kind's statuses after which its qualified points are built again."""
MAX_QUALIFIED = 6
"""Sets of states kept per service (any set beyond them is answered from every point)."""


class ServiceStatuses:
    """One service's current statuses: objects by id, and arrays for vectorised filters
    (each indexed by resource id)."""

    def __init__(self, statuses: dict[int, IntakeStatus]) -> None:
        self.qualified: dict[tuple[str, frozenset[State]], Qualified] = {}
        size = max(statuses, default=0) + 1
        # By resource id, like the arrays: a list lookup touches less memory than a dict's
        # (at 100,000 resources each dict lookup was a cache miss or three).
        self.by_id: list[IntakeStatus | None] = [None] * size
        self.state = np.zeros(size, dtype=np.int8)
        self.checked = np.zeros(size, dtype=np.float64)
        for status in statuses.values():
            self.put(status)

    def put(self, status: IntakeStatus) -> None:
        """Make ``status`` current (under the finder's lock: queries read these)."""
        rid = status.resource_id
        if rid >= len(self.state):
            grow = max(rid + 1, 2 * len(self.state))
            self.state = np.concatenate([self.state, np.zeros(grow - len(self.state), np.int8)])
            self.checked = np.concatenate([self.checked, np.zeros(grow - len(self.checked))])
            self.by_id.extend([None] * (grow - len(self.by_id)))
        self.by_id[rid] = status
        self.state[rid] = STATE_CODES[status.state]
        self.checked[rid] = checked_at(status).timestamp()
        for qualified in self.qualified.values():
            qualified.changed(rid)

    def accept(self, ids: np.ndarray, states: frozenset[State], oldest: float | None):
        """Which of ``ids`` have a state in ``states``, checked at ``oldest`` (a POSIX
        time) or later when it is given."""
        inside = ids < len(self.state)
        safe = np.where(inside, ids, 0)
        ok = inside & wanted_codes(states)[self.state[safe]]
        if oldest is not None:
            ok &= self.checked[safe] >= oldest
        return ok


@functools.cache
def wanted_codes(states: frozenset[State]) -> np.ndarray:
    """Which state codes ``states`` takes (0: no status), as a lookup array."""
    wanted = np.zeros(len(STATE_CODES) + 1, dtype=bool)
    wanted[[STATE_CODES[s] for s in states]] = True
    return wanted


class Qualified:
    """A kind's points whose state was in ``states`` when built, and the ones that may
    qualify since (changed after it was built, not in its index)."""

    def __init__(
        self,
        index: PointIndex,
        resources: Mapping[int, Resource],
        statuses: ServiceStatuses,
        states: frozenset[State],
    ) -> None:
        qualifies = statuses.accept(index.ids, states, None)
        self.index = PointIndex(index.ids[qualifies], index.lons[qualifies], index.lats[qualifies])
        self.cells = CandidateCells(self.index)
        size = max(resources, default=0) + 1
        self.members = np.zeros(size, dtype=bool)
        self.members[self.index.ids] = True
        self.statuses, self.wanted = statuses, wanted_codes(states)
        # Each point's last check while its state is in ``states``, else NaN: the filter
        # is then one lookup and one comparison (it runs on every query).
        self.checked = np.full(size, np.nan)
        self.checked[self.index.ids] = statuses.checked[self.index.ids]
        self.resources = resources
        self.added: dict[int, np.ndarray] = {}  # id: unit vector
        self.changes = 0

    def changed(self, rid: int) -> None:
        """Note that ``rid``'s status changed (under the finder's lock)."""
        resource = self.resources.get(rid)
        if resource is None:  # another kind's
            return
        self.changes += 1
        qualifies = self.wanted[self.statuses.state[rid]]
        self.checked[rid] = self.statuses.checked[rid] if qualifies else np.nan
        if not self.members[rid]:
            self.added[rid] = unit_vectors(np.array([resource.lon]), np.array([resource.lat]))[0]

    def accept(self, ids: np.ndarray, oldest: float | None) -> np.ndarray:
        """Which of ``ids`` (this kind's) have a state in ``states`` now, checked at
        ``oldest`` (a POSIX time) or later when it is given."""
        return self.checked[ids] >= (-np.inf if oldest is None else oldest)

    def nearest(
        self,
        lon: float,
        lat: float,
        k: int,
        accept: Callable[[np.ndarray], np.ndarray],
        max_m: float | None = None,
    ) -> list[Neighbour]:
        """``PointIndex.nearest`` over the qualifying points; ``accept`` must check the
        states (and freshness) again, as the index was built earlier (``self.accept``)."""
        found = self.cells.nearest(lon, lat, k, accept, max_m)
        if found is None:  # most candidates qualify: a few more than k usually settle it
            found = self.index.nearest(lon, lat, k, accept, max_m, first_fetch=k + 3)
        if not self.added:
            return found
        ids = np.fromiter(self.added, np.int64, len(self.added))
        vectors = np.array(list(self.added.values()))
        origin = np.array(unit_vector(lon, lat))
        others = refine(origin, k, lambda _: (ids, vectors, True), accept, max_m)
        return sorted(found + others, key=lambda n: (n.distance_m, n.id))[:k]
