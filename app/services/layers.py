"""Map layers as GeoJSON: collections of resources and administrative units, and clusters.

Every feature is WGS-84 lon/lat (RFC 7946) unless a ``FeatureShape`` asks for another
CRS, and carries its ``precision``; resources carry their statuses with ``stale`` and
``age_seconds``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.enums import Kind, Level
from app.domain.layers import Area, Cluster
from app.domain.records import AdminUnit, ResourceView
from app.domain.statuses import State
from app.geo.ogc_crs import geometry_in
from app.services.feature_json import AS_STORED, FeatureShape, item_feature, page_features
from app.services.freshness import status_dicts
from app.services.problems import open_problems
from app.storage.errors import NotFound
from app.storage.port import Store


@dataclass(frozen=True, slots=True)
class Collection:
    """One layer: resources of a kind, or units of a level."""

    id: str
    title: str
    description: str
    kind: Kind | None = None
    level: Level | None = None

    @property
    def layer(self) -> str:
        """The kind or level the store knows the layer by."""
        return self.kind or self.level.value

    @property
    def properties(self) -> tuple[str, ...]:
        """The properties its features may carry (``properties=`` picks among them)."""
        return RESOURCE_PROPERTIES if self.kind else UNIT_PROPERTIES

    @property
    def sort_keys(self) -> tuple[str, ...]:
        """What its pages may be ordered by (``sortby=``; ``distance`` needs a point)."""
        return ("name", "status_time", "distance", "id") if self.kind else ("name", "code", "id")


RESOURCE_PROPERTIES = (
    "name", "name_en", "kind", "address", "phones", "services", "precision",
    "location_verified", "district_id", "street_id", "committee_id", "version", "statuses",
    "problem_reported_at", "state", "stale", "age_seconds",
)  # fmt: skip
"""A resource feature's properties (the last three only with a ``service``)."""
UNIT_PROPERTIES = ("code", "name", "name_en", "level", "kind", "precision", "parent_id",
                   "district_id")  # fmt: skip


COLLECTIONS = {
    c.id: c
    for c in (
        Collection(Kind.hospital.plural, "医院 Hospitals",
                   "Hospitals with intake status per service", kind=Kind.hospital),
        Collection(Kind.office.plural, "办公室 Offices",
                   "District, street and committee office contacts", kind=Kind.office),
        Collection(Level.district.plural, "区 Districts", "Shanghai's 16 districts",
                   level=Level.district),
        Collection(Level.street.plural, "街道/镇 Streets and towns", "Street offices and towns",
                   level=Level.street),
        Collection(Level.committee.plural, "居委会/村委会 Committees",
                   "Residents' and villagers' committees", level=Level.committee),
    )
}  # fmt: skip


def area_for(
    bbox: tuple[float, float, float, float] | None,
    district_id: int | None,
    service: str | None,
    states: frozenset[State],
    fresh: bool,
    now: datetime,
    ttl_hours: float,
) -> Area:
    """The store's area filter for a layer request."""
    since = now - timedelta(hours=ttl_hours) if (service and fresh) else None
    return Area(
        bbox=bbox,
        district_id=district_id,
        service=service,
        states=states or frozenset({State.open}),
        checked_since=since,
    )


def resource_feature(
    view: ResourceView,
    now: datetime,
    ttl_hours: float,
    service: str | None = None,
    problem_at: datetime | None = None,
) -> dict:
    """A resource as a GeoJSON feature, with its statuses and when a problem still being
    checked was reported (``open_problems``), never what was said."""
    r = view.resource
    statuses = status_dicts(r.services, dict(view.statuses), now, ttl_hours)
    properties = {
        "name": r.name, "name_en": r.name_en, "kind": r.kind, "address": r.address,
        "phones": list(r.phones), "services": list(r.services), "precision": r.precision.value,
        "location_verified": r.location_verified, "district_id": r.district_id,
        "street_id": r.street_id, "committee_id": r.committee_id, "version": r.version,
        "statuses": [
            {key: _plain(value) for key, value in s.items() if key in STATUS_KEYS} for s in statuses
        ],
        "problem_reported_at": _plain(problem_at),
    }  # fmt: skip
    chosen = next((s for s in statuses if s["service"] == service), None)
    if chosen is not None:  # flat copies, for GIS symbology
        properties |= {"state": chosen["state"].value, "stale": chosen["stale"],
                       "age_seconds": chosen["age_seconds"]}  # fmt: skip
    return _feature(r.id, {"type": "Point", "coordinates": [r.lon, r.lat]}, properties)


STATUS_KEYS = ("service", "state", "conditions", "reported_at", "verified_at", "stale",
               "age_seconds")  # fmt: skip


def unit_feature(unit: AdminUnit, boundary: dict | None) -> dict:
    """A unit as a GeoJSON feature: its outline when one is loaded, else its point."""
    geometry = boundary or {"type": "Point", "coordinates": [unit.lon, unit.lat]}
    properties = {
        "code": unit.code, "name": unit.name, "name_en": unit.name_en, "level": unit.level.value,
        "kind": unit.kind, "precision": unit.precision.value, "parent_id": unit.parent_id,
        "district_id": unit.district_id,
    }  # fmt: skip
    return _feature(unit.id, geometry, properties)


def shaped(feature: dict, shape: FeatureShape) -> dict:
    """A feature as ``shape`` asks: its geometry in the CRS (or null), and only the
    properties kept."""
    geometry = geometry_in(shape.crs, feature["geometry"]) if shape.geometry else None
    properties = feature["properties"]
    if shape.properties is not None:
        properties = {k: v for k, v in properties.items() if k in shape.properties}
    return feature | {"geometry": geometry, "properties": properties}


def features(
    store: Store, collection: Collection, area: Area, limit: int, offset: int,
    now: datetime, ttl_hours: float, shape: FeatureShape = AS_STORED,
) -> tuple[int, list[dict]]:  # fmt: skip
    """One page of a collection's features, as ``shape`` asks, and how many match in all."""
    if collection.kind is not None:
        total, views = store.resources_in(collection.kind, area, limit, offset)
        problems = open_problems(store, views)
        found = [
            resource_feature(v, now, ttl_hours, area.service, problems.get(v.resource.id))
            for v in views
        ]
    else:
        total, units = store.units_in(collection.level, area, limit, offset)
        level = collection.level
        outlines = store.boundaries(level) if level != Level.committee else {}
        found = [unit_feature(u, outlines.get(u.id)) for u in units]
    return total, [shaped(f, shape) for f in found]


def feature_texts(
    store: Store, collection: Collection, area: Area, limit: int, offset: int,
    now: datetime, ttl_hours: float, shape: FeatureShape = AS_STORED,
) -> tuple[int, list[str]]:  # fmt: skip
    """``features`` as compact JSON texts: resources written straight from the store's
    rows (``feature_json``), units encoded from their dicts."""
    if collection.kind is None:
        total, found = features(store, collection, area, limit, offset, now, ttl_hours, shape)
        return total, [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in found]
    rows = store.feature_rows(collection.kind, area, limit, offset)
    return rows.total, page_features(rows, now, ttl_hours, area.service, shape)


def feature_text(
    store: Store, collection: Collection, feature_id: int, now: datetime, ttl_hours: float,
    shape: FeatureShape = AS_STORED,
) -> str:  # fmt: skip
    """One feature of a collection as compact JSON text (a resource written straight
    from its row, as on a page), as ``shape`` asks; NotFound when the collection has no
    such feature."""
    if collection.kind is not None:
        row = store.feature_row(collection.kind, feature_id)
        if row is None:
            raise NotFound(f"no feature {feature_id} in {collection.id}")
        return item_feature(row, now, ttl_hours, shape)
    unit = store.get_unit(feature_id)
    if unit.level != collection.level:
        raise NotFound(f"no feature {feature_id} in {collection.id}")
    outline = store.get_boundary(unit.id) if unit.level != Level.committee else None
    found = shaped(unit_feature(unit, outline), shape)
    return json.dumps(found, ensure_ascii=False, separators=(",", ":"))


MAX_GRID_SIDE = 64
"""Cells a cluster grid may have across its box (each way): a 2,000-pixel view at 1/8 of a
tile per cell. A larger box (or none: the world) gets coarser cells, so an answer never
has more than ~65² clusters, whatever the zoom asked."""


def cell_degrees(zoom: int, bbox: tuple[float, float, float, float] | None) -> float:
    """The cluster grid's cell at ``zoom``: 1/8 of a web-map tile's width, in degrees,
    doubled (so grids of different boxes still line up) until ``bbox`` (default: the
    world) spans at most ``MAX_GRID_SIDE`` cells each way."""
    west, south, east, north = bbox or (-180.0, -90.0, 180.0, 90.0)
    cell = 360.0 / (2**zoom) / 8
    while max(east - west, north - south) > MAX_GRID_SIDE * cell:
        cell *= 2
    return cell


def cluster_features(clusters: Sequence[Cluster]) -> list[dict]:
    """GeoJSON point features of clusters: the centroid, and the count (and the counts by
    shown state, when the store gave them) as properties."""
    return [
        _feature(n, {"type": "Point", "coordinates": [round(c.lon, 6), round(c.lat, 6)]},
                 {"count": c.count} | ({"states": dict(c.states)} if c.states is not None else {}))
        for n, c in enumerate(clusters, start=1)
    ]  # fmt: skip


def _feature(feature_id: int, geometry: dict, properties: dict) -> dict:
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)
