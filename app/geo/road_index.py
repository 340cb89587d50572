"""Which districts a road is known in, for an address that names a road but no district.

The bundled data has no list of roads, so what we know comes from three places, each
with its own strength (``Seen``): a residents' committee named after the road
(浦电路居委会 ← 浦电路: ``named``), a stored resource's address on that road with its
district (a hospital or an office: ``seen``), and a unit whose name is the road's without
路/大道 (金桥镇 ← 金桥路: ``similar``, a guess). The answer is a set of candidates to
choose from, never a location: the same road name exists in several districts and our
list of them is partial.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from enum import IntEnum
from itertools import islice

from app.domain.enums import Level
from app.domain.records import Resource
from app.geo.address import ROAD_AND_NUMBER, strip_city
from app.geo.gazetteer_index import RESIDENTS_SUFFIXES, GazetteerIndex
from app.geo.names import core_name, normalise
from app.geo.sources import ResourceSource

ROAD_ENDING = re.compile(r"(?:[东南西北中]?路|公路|大道|街)$")
MIN_CORE = 2
"""A one-character core (东路 → 东) would match too much to be a hint."""
MAX_RESOURCES = 20_000
"""Resources read for their roads (by id): a bound on a rebuild's time and memory."""


class Seen(IntEnum):
    """How a road is known in a district; lower is stronger."""

    named = 0
    seen = 1
    similar = 2


@dataclass(frozen=True, slots=True)
class RoadPlace:
    """A district a road is known in, and its one street when the sources agree on one."""

    district_id: int
    street_id: int | None
    seen: Seen


class RoadIndex:
    """Road name → the districts (and streets) it is known in."""

    def __init__(self, index: GazetteerIndex, resources: Iterable[Resource] = ()) -> None:
        self._by_road: dict[str, dict[int, list[tuple[Seen, int | None]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._by_core: dict[str, dict[int, list[tuple[Seen, int | None]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for (district_id, road), committees in index.named_after_roads.items():
            for unit in committees:
                self._by_road[road][district_id].append((Seen.named, unit.parent_id))
        for resource in resources:
            road = road_of(resource.address or "", index)
            if road and resource.district_id is not None:
                entry = (Seen.seen, resource.street_id)
                self._by_road[road][resource.district_id].append(entry)
        for unit in index.units.values():
            core = _unit_core(unit.name, unit.level)
            if core and unit.district_id is not None:
                street = unit.id if unit.level is Level.street else None  # 金桥镇 ← 金桥路
                self._by_core[core][unit.district_id].append((Seen.similar, street))

    @classmethod
    def from_store(cls, store: ResourceSource, index: GazetteerIndex) -> RoadIndex:
        """From the gazetteer and the first ``MAX_RESOURCES`` stored resources' addresses."""
        with closing(store.iter_resources()) as stored:
            return cls(index, list(islice(stored, MAX_RESOURCES)))

    def places(self, road: str) -> list[RoadPlace]:
        """The districts ``road`` is known in, strongest first (at most one per district)."""
        found: dict[int, list[tuple[Seen, int | None]]] = defaultdict(list)
        for district_id, entries in self._by_road.get(road, {}).items():
            found[district_id] += entries
        core = ROAD_ENDING.sub("", road)
        if len(core) >= MIN_CORE:
            for district_id, entries in self._by_core.get(core, {}).items():
                found[district_id] += entries
        places = []
        for district_id, entries in found.items():
            best = min(seen for seen, _ in entries)
            streets = {street for seen, street in entries if seen == best}
            street = streets.pop() if len(streets) == 1 else None
            places.append(RoadPlace(district_id, street, best))
        return sorted(places, key=lambda p: (p.seen, -len(found[p.district_id]), p.district_id))


def constant(roads: RoadIndex) -> Callable[[], RoadIndex]:
    """A road index that never changes, where a caller takes a function giving the current."""
    return lambda: roads


def road_of(address: str, index: GazetteerIndex) -> str | None:
    """The road an address is on, read after its city and district (None if none)."""
    text = strip_city(normalise(address))
    district = index.find_district(text)
    if district:
        text = text.replace(district[1], "", 1)
    match = ROAD_AND_NUMBER.search(text)
    return match["road"] if match else None


def _unit_core(name: str, level: Level) -> str | None:
    """A street's or residents' committee's name without its suffix and 路 (金桥镇 → 金桥)."""
    if level is Level.street:
        core = core_name(name)
    elif level is Level.committee and name.endswith(RESIDENTS_SUFFIXES):
        core = next(name.removesuffix(s) for s in RESIDENTS_SUFFIXES if name.endswith(s))
        core = ROAD_ENDING.sub("", normalise(core))
    else:
        return None
    return core if len(core) >= MIN_CORE else None
