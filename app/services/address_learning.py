"""The only writer of learned addresses: points of places the deployment already holds,
and rows of a file a team teaches it (``address_teaching``).

What it takes is narrow on purpose: ``Resource`` objects (a hospital a verifier placed, an
imported row with the sheet's own point or a provider's house-level answer) and taught
points. There is no path from a geocode query, a help request or a request body to a
learned point, so a requester's typed address or position never becomes one. Rows located
by the gazetteer or by the learned geocoder itself are never learned (no feedback loop).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from app.domain.enums import LearnedFrom, Precision, SourceCrs
from app.domain.learned import LearnedPoint
from app.domain.records import Resource
from app.geo.address import ParsedAddress, parse_address
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.house_numbers import house_key, place_key
from app.services.imports.records import ImportPlan, RowAction
from app.services.imports.row_location import SHEET_POINTS
from app.storage.errors import StorageError
from app.storage.port import LearnedStore, Store

log = logging.getLogger("aidmap")

RESOURCE = "resource"
"""``origin`` of a point learned from a stored resource."""
NOT_LEARNED_FROM = frozenset({"gazetteer", "learned", "stored"})
"""``located_by`` of import rows whose point is not new evidence."""
FALLBACK_DEGREES = 1e-5
"""A point this close (~1 m) to a unit's own point is that unit's fallback, not a place's."""
DWELLING = re.compile(
    r"[0-9一二三四五六七八九十〇零]+\s*[室户]|号\s*[-－]?\s*\d{3,4}(?![\d楼号弄栋幢])|楼.*室"
)
"""A flat or a room (302室, 12户, 5号302, 3号楼东室): a resident's door, not a place."""


def names_a_dwelling(address: str) -> bool:
    """Whether the address names a flat or room: never learned, a place's point only."""
    return DWELLING.search(address) is not None


def parsed_point(
    source: LearnedFrom,
    parsed: ParsedAddress,
    lon: float,
    lat: float,
    index: GazetteerIndex,
    **fields: object,
) -> LearnedPoint | None:
    """The point of a parsed place address, or None when it has no district, neither a
    road with a number nor a place, or lies on a unit's own point (a fallback)."""
    if parsed.district is None or _at_unit_point(index, lon, lat):
        return None
    key = house_key(parsed)
    if parsed.road and key.number is not None:
        return LearnedPoint(source, parsed.text, parsed.district.id, lon, lat, road=parsed.road,
                            house_number=key.number, house_text=key.text, **fields)  # fmt: skip
    place = place_key(parsed)
    if place is None:
        return None
    return LearnedPoint(source, parsed.text, parsed.district.id, lon, lat, place=place, **fields)


def learned_from_resource(
    resource: Resource, index: GazetteerIndex, source: LearnedFrom | None = None
) -> LearnedPoint | None:
    """The point a resource teaches, or None: a verified placement (``verified``), else an
    exact point not verified (``source`` when the caller knows where it came from, else
    ``sheet`` when the resource came from a file and ``provider`` otherwise)."""
    if not resource.address or names_a_dwelling(resource.address):
        return None
    if resource.location_verified:
        source = LearnedFrom.verified
    elif resource.precision is not Precision.exact:
        return None
    elif source is None:
        from_file = (resource.source or "").startswith("import ")
        source = LearnedFrom.sheet if from_file else LearnedFrom.provider
    district = index.units.get(resource.district_id) if resource.district_id else None
    parsed = parse_address(resource.address, index, district.name if district else None)
    if district is None and parsed.district is None:
        return None
    return parsed_point(source, parsed, resource.lon, resource.lat, index,
                        resource_id=resource.id, source_crs=SourceCrs(resource.source_crs),
                        origin=RESOURCE)  # fmt: skip


def learn_resources(
    store: LearnedStore,
    index: GazetteerIndex,
    resources: Iterable[Resource],
    source: LearnedFrom | None = None,
) -> int:
    """Learn (or re-learn) the points of these resources in one write; a resource that no
    longer teaches one (its address now unparseable) loses its old point. How many were
    learned."""
    points, stale = [], []
    for resource in resources:
        point = learned_from_resource(resource, index, source)
        (points.append(point) if point else stale.append(resource.id))
    if stale:
        store.forget_learned(resource_ids=stale)  # writes only when one had a point
    if points:
        store.put_learned(points)
    return len(points)


def learn_written(store: LearnedStore, index: GazetteerIndex, written: Resource) -> int:
    """After a verifier placed a resource or a coordinator added or edited one: its point
    replaces the old one (or the old one goes). A store's failure is logged, not raised:
    the write it follows stands."""
    try:
        return learn_resources(store, index, [written])
    except StorageError as exc:
        log.warning("resource %s written, its address not learned: %s", written.id, exc)
        return 0


def learn_imported(
    store: LearnedStore,
    index: GazetteerIndex,
    plan: ImportPlan,
    written: tuple[Sequence[Resource], Sequence[Resource]],
) -> int:
    """After an import was applied (``written``: the added and the changed resources, as
    ``apply_resource_changes`` returned them): learn the rows whose point the sheet gave,
    or an online provider gave at house level; never rows the gazetteer or the learned
    geocoder located, nor changes that kept the stored point."""
    added, changed = written
    by_id = {resource.id: resource for resource in changed}
    adds = iter(added)
    by_source: dict[LearnedFrom, list[Resource]] = {LearnedFrom.sheet: [], LearnedFrom.provider: []}
    for row in plan.rows:
        resource = next(adds) if row.action is RowAction.add else None
        if row.action is RowAction.change:
            resource = by_id.get(row.resource_id)
        source = _row_source(row.located_by, row.precision)
        if resource is not None and source is not None:
            by_source[source].append(resource)
    return sum(learn_resources(store, index, rows, source) for source, rows in by_source.items())


def _row_source(located_by: str | None, precision: Precision | None) -> LearnedFrom | None:
    if located_by is None or located_by in NOT_LEARNED_FROM:
        return None
    if located_by in SHEET_POINTS:
        return LearnedFrom.sheet
    return LearnedFrom.provider if precision is Precision.exact else None


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild derived: resources' points, and taught points parsed again."""

    resources: int
    taught: int


def rebuild(store: Store, index: GazetteerIndex) -> Rebuilt:
    """Derive every resource's point again (after a parser change or a gazetteer reseed):
    rows of deleted resources, or of resources that teach nothing now, go; taught rows
    keep their point and get their keys parsed again. A point derived as it was keeps the
    time it was learned (its age is the evidence's, not the rebuild's)."""
    before, taught_before = {}, []  # one read: replacing resources' rows keeps taught ones
    for old in store.iter_learned():
        if old.resource_id is None:
            taught_before.append(old)
        else:
            before[old.resource_id] = old
    derived = []
    for resource in store.iter_resources():
        point = learned_from_resource(resource, index)
        if point is None:
            continue
        old = before.get(resource.id)
        if old is not None and replace(old, id=None, learned_at=None) == point:
            point = replace(point, learned_at=old.learned_at)
        derived.append(point)
    store.replace_derived(derived)
    taught = []
    for old in taught_before:
        district = index.units.get(old.district_id)
        parsed = parse_address(old.address, index, district.name if district else None)
        point = parsed_point(old.source, parsed, old.lon, old.lat, index,
                             source_crs=old.source_crs, origin=old.origin)  # fmt: skip
        if point is not None and point.address == old.address:
            taught.append(replace(point, learned_at=old.learned_at))
    if taught:
        store.put_learned(taught)
    return Rebuilt(len(derived), len(taught))


def teach(store: LearnedStore, points: Sequence[LearnedPoint]) -> int:
    """Keep the points of a taught file (``address_teaching`` read them); how many rows
    they replaced."""
    if any(point.source is not LearnedFrom.taught for point in points):
        raise ValueError("only taught points come from a file")
    return store.put_learned(points)


def forget_taught(store: LearnedStore, filename: str) -> int:
    """Forget every point the file of this name taught; how many."""
    return store.forget_learned(origins=[filename])


def _at_unit_point(index: GazetteerIndex, lon: float, lat: float) -> bool:
    cell = (round(lon / FALLBACK_DEGREES), round(lat / FALLBACK_DEGREES))
    return cell in _unit_cells(index)


@functools.lru_cache(maxsize=4)
def _unit_cells(index: GazetteerIndex) -> frozenset[tuple[int, int]]:
    """The ~1 m cells of every unit's point, once per gazetteer index."""
    return frozenset(
        (round(u.lon / FALLBACK_DEGREES), round(u.lat / FALLBACK_DEGREES))
        for u in index.units.values()
    )
