"""A checked CQL2-JSON tree (``app.services.ogc_filters``) as SQLAlchemy conditions,
evaluated in the database on SQLite and PostGIS alike, every literal a bound parameter.

Spatial tests are planar in CRS84, as CQL2 says, and give one answer on both backends:
points are first kept to the literal's envelope (the ``(kind, lon, lat)`` index), and
tested exactly only when the literal is not that box – by GEOS either way: PostGIS's
``ST_*`` or, on SQLite, shapely in the functions of ``sqlite_functions``. ``S_DWITHIN``
is in metres on the sphere. Outlines (districts, streets) are few, so they have no
prefilter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Text,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    type_coerce,
)

from app.domain.layers import STATUS_TIME, Area, Shape
from app.geo.distance import EARTH_RADIUS_M
from app.storage import schema as t
from app.storage.schema import UtcDateTime

POSTGIS_OPS = {
    "s_intersects": func.ST_Intersects, "s_within": func.ST_Within,
    "s_contains": func.ST_Contains, "s_disjoint": func.ST_Disjoint, "s_equals": func.ST_Equals,
    "s_touches": func.ST_Touches, "s_crosses": func.ST_Crosses, "s_overlaps": func.ST_Overlaps,
}  # fmt: skip


def status_time(service: str | None) -> ColumnElement:
    """``STATUS_TIME`` of each resource row: the newest ``reported_at`` of its current
    statuses (of ``service`` if given), else its ``updated_at``; typed so that bound
    datetimes compare as the stored ones (text on SQLite)."""
    c, s = t.resources.c, t.intake_status.c
    newest = select(func.max(s.reported_at)).where(s.resource_id == c.id)
    if service is not None:
        newest = newest.where(s.service == service)
    return type_coerce(func.coalesce(newest.scalar_subquery(), c.updated_at), UtcDateTime)


def resource_conditions(area: Area, backend: str) -> list:
    """The conditions ``area.during`` and ``area.where`` put on resources."""
    c = t.resources.c
    fields = {name: c[name] for name in (
        "id", "name", "name_en", "address", "precision", "location_verified", "district_id",
        "street_id", "committee_id", "version", "updated_at")}  # fmt: skip
    fields[STATUS_TIME] = status_time(area.service)
    conditions = []
    if area.during is not None:
        start, end = area.during
        if start is not None:
            conditions.append(fields[STATUS_TIME] >= start)
        if end is not None:
            conditions.append(fields[STATUS_TIME] <= end)
    if area.where is not None:
        spatial = _Points(backend, c.lon, c.lat)
        conditions.append(_Translator(fields, spatial, backend).condition(area.where))
    return conditions


def unit_conditions(area: Area, backend: str) -> list:
    """The conditions ``area.where`` puts on units (they have no time: ``during`` keeps all)."""
    if area.where is None:
        return []
    c = t.admin_units.c
    fields = {name: c[name] for name in (
        "id", "code", "name", "name_en", "level", "kind", "precision", "parent_id",
        "district_id")}  # fmt: skip
    spatial = _Outlines(backend, c.id, c.boundary, c.lon, c.lat)
    return [_Translator(fields, spatial, backend).condition(area.where)]


@dataclass(frozen=True, slots=True)
class _Translator:
    fields: Mapping[str, ColumnElement]
    spatial: _Points | _Outlines
    backend: str

    def condition(self, node: dict) -> ColumnElement:
        op, args = node["op"], node["args"]
        if op == "and":
            return and_(true(), *map(self.condition, args))
        if op == "or":
            return or_(false(), *map(self.condition, args))
        if op == "not":
            return not_(self.condition(args[0]))
        if op.startswith("s_"):
            return self.spatial.test(op, *args[1:])
        subject = self._subject(args[0])
        if op == "=":
            return subject == args[1]
        if op == "<>":
            return subject != args[1]
        if op == "<":
            return subject < args[1]
        if op == "<=":
            return subject <= args[1]
        if op == ">":
            return subject > args[1]
        if op == ">=":
            return subject >= args[1]
        if op == "between":
            return subject.between(args[1], args[2])
        if op == "in":
            return subject.in_(args[1])
        if op == "isNull":
            return subject.is_(None)
        if op == "like":
            return self._like(subject, args[1])
        raise ValueError(f"unchecked operator {op}")

    def _subject(self, node: dict) -> ColumnElement:
        if "op" in node:  # casei
            return func.lower(self._subject(node["args"][0]))
        return self.fields[node["property"]]

    def _like(self, subject: ColumnElement, pattern: str) -> ColumnElement:
        """CQL2 LIKE (``%``, ``_``, ``\\`` escapes), case-sensitive on both backends:
        SQLite's LIKE folds ASCII case, so there it is the same pattern as a GLOB."""
        if self.backend == "postgis":
            return subject.like(pattern, escape="\\")
        return subject.op("GLOB")(_glob(pattern))


def _glob(pattern: str) -> str:
    out, escaped = [], False
    for char in pattern:
        if escaped or char not in "%_\\":
            out.append(f"[{char}]" if char in "*?[]" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append("*" if char == "%" else "?")
    return "".join(out)


def _wkb(shape: Shape) -> ColumnElement:
    return literal(shape.wkb, LargeBinary)


@dataclass(frozen=True, slots=True)
class _Points:
    """Spatial tests on ``lon``/``lat`` columns."""

    backend: str
    lon: ColumnElement
    lat: ColumnElement

    def test(self, op: str, shape: Shape, metres: float | None = None) -> ColumnElement:
        west, south, east, north = shape.bounds
        if op == "s_dwithin":
            dlat = math.degrees(metres / EARTH_RADIUS_M) * 1.01
            widest = min(89.0, max(abs(south), abs(north)) + dlat)
            dlon = min(360.0, dlat / math.cos(math.radians(widest)))
            west, south, east, north = west - dlon, south - dlat, east + dlon, north + dlat
        envelope = and_(self.lon.between(west, east), self.lat.between(south, north))
        if op == "s_disjoint":
            return not_(envelope) if shape.is_box else not_(self.test("s_intersects", shape))
        if op == "s_intersects" and shape.is_box:
            return envelope
        if op == "s_dwithin":
            exact = self._dwithin(shape, metres)
        elif self.backend == "postgis":
            exact = POSTGIS_OPS[op](self._point(), func.ST_GeomFromWKB(_wkb(shape), 4326))
        else:
            exact = func.aidmap_point_rel(op, self.lon, self.lat, _wkb(shape)) == 1
        return and_(envelope, exact)

    def _point(self) -> ColumnElement:
        return func.ST_SetSRID(func.ST_MakePoint(self.lon, self.lat), 4326)

    def _dwithin(self, shape: Shape, metres: float) -> ColumnElement:
        if self.backend == "postgis":
            there = func.ST_GeogFromWKB(_wkb(shape))
            return func.ST_DWithin(func.geography(self._point()), there, metres, False)
        return func.aidmap_point_dwithin(self.lon, self.lat, _wkb(shape), metres) == 1


@dataclass(frozen=True, slots=True)
class _Outlines:
    """Spatial tests on units: their outline (GeoJSON text) where loaded, else their point."""

    backend: str
    id: ColumnElement
    boundary: ColumnElement
    lon: ColumnElement
    lat: ColumnElement

    def test(self, op: str, shape: Shape, metres: float | None = None) -> ColumnElement:
        if self.backend == "postgis":
            mine = func.coalesce(
                func.ST_SetSRID(func.ST_GeomFromGeoJSON(_outline_text(self.boundary)), 4326),
                func.ST_SetSRID(func.ST_MakePoint(self.lon, self.lat), 4326),
            )
            there = func.ST_GeomFromWKB(_wkb(shape), 4326)
            if op == "s_dwithin":
                return func.ST_DWithin(func.geography(mine), func.geography(there), metres, False)
            return POSTGIS_OPS[op](mine, there)
        outline = _outline_text(self.boundary)
        return (
            func.aidmap_outline_rel(
                op, self.id, outline, self.lon, self.lat, _wkb(shape), metres or 0.0
            )
            == 1
        )


def _outline_text(boundary: ColumnElement) -> ColumnElement:
    """The outline's GeoJSON text; NULL where none is loaded (stored as SQL NULL or,
    by SQLAlchemy's JSON type, as JSON ``null``)."""
    return func.nullif(cast(boundary, Text), "null")
