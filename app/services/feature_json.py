"""GeoJSON text of a page of resources, written straight from the store's rows.

A page of 1,000 hospitals spent most of its time building a record per row, then a
feature dict per record, then encoding the dicts. Here each feature is one string
formatted from the row, its text values escaped by the ``json`` module's own encoder.
``layers.resource_feature`` stays the definition of a feature: the tests hold both to
the same answer, in every ``FeatureShape``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring

import numpy as np

from app.domain.layers import FEATURE_COLUMNS, FeatureRows
from app.geo.ogc_crs import CRS84, from_crs84
from app.services.problems import unanswered_since


@dataclass(frozen=True, slots=True)
class FeatureShape:
    """How features are written (OGC ``crs``, ``properties``, ``skipGeometry``): the CRS of
    their coordinates, only these properties (None: all), and whether with a geometry."""

    crs: str = CRS84
    properties: frozenset[str] | None = None
    geometry: bool = True


AS_STORED = FeatureShape()
"""CRS84, every property, with geometry."""


def page_features(
    rows: FeatureRows,
    now: datetime,
    ttl_hours: float,
    service: str | None = None,
    shape: FeatureShape = AS_STORED,
) -> list[str]:
    """Each resource of ``rows`` as a GeoJSON feature's JSON text, with its statuses'
    ``stale`` and ``age_seconds`` at ``now`` and, with ``service``, that service's
    state, staleness and age copied flat into the properties; written as ``shape`` asks."""
    ttl = timedelta(hours=ttl_hours)
    geometries = _geometries(rows.resources, shape)
    return [
        _feature(row, geometry, now, ttl, service, shape.properties)
        for row, geometry in zip(rows.resources, geometries, strict=True)
    ]


def item_feature(
    row: tuple, now: datetime, ttl_hours: float, shape: FeatureShape = AS_STORED
) -> str:
    """One resource (a row of ``FeatureRows.resources``) as a feature's JSON text."""
    (geometry,) = _geometries([row], shape)
    return _feature(row, geometry, now, timedelta(hours=ttl_hours), None, shape.properties)


LON, LAT = FEATURE_COLUMNS.index("lon"), FEATURE_COLUMNS.index("lat")


def _geometries(resources: list[tuple], shape: FeatureShape) -> list[str]:
    """Each resource's point as GeoJSON text in the shape's CRS (one array transform for
    the page), or null."""
    if not shape.geometry:
        return ["null"] * len(resources)
    xs, ys = [float(row[LON]) for row in resources], [float(row[LAT]) for row in resources]
    if shape.crs != CRS84 and resources:
        first, second = from_crs84(shape.crs, np.array(xs), np.array(ys))
        xs, ys = first.tolist(), second.tolist()
    return [f'{{"type":"Point","coordinates":[{x!r},{y!r}]}}' for x, y in zip(xs, ys, strict=True)]


def _feature(row: tuple, geometry: str, now: datetime, ttl: timedelta, service: str | None,
             keep: frozenset[str] | None) -> str:  # fmt: skip
    """One feature; its properties are written ``\\0``-separated (JSON text never holds a
    raw NUL), then joined with commas, or only those in ``keep``."""
    (resource_id, name, name_en, kind, address, phones, services, precision, verified,
     district_id, street_id, committee_id, version, _, _, statuses, reports) = row  # fmt: skip
    parts, checks, chosen = [], {}, None
    current = _statuses(statuses)
    for code in dict.fromkeys((*services, *current)):
        status = current.get(code)
        if status is None:
            shown = ("unknown", "true", "null")
            parts.append(f'{{"service":{_text(code)},"state":"unknown","stale":true,'
                         '"age_seconds":null}')  # fmt: skip
        else:
            state, conditions, reported_at, verified_at = status
            checked = checks[code] = (
                verified_at if verified_at is not None and verified_at > reported_at
                else reported_at
            )  # fmt: skip
            age = now - checked
            shown = (state, _bool(age > ttl), str(max(0, int(age.total_seconds()))))
            parts.append(
                f'{{"service":{_text(code)},"state":{_text(state)},'
                f'"conditions":{conditions},"reported_at":"{reported_at.isoformat()}",'
                f'"verified_at":{_time(verified_at)},"stale":{shown[1]},"age_seconds":{shown[2]}}}'
            )
        if code == service:
            chosen = shown
    reported = _reported(reports)
    problem_at = unanswered_since(services, checks, reported) if reported else None
    flat = "" if chosen is None else (
        f'\0"state":{_text(chosen[0])}\0"stale":{chosen[1]}\0"age_seconds":{chosen[2]}'
    )  # fmt: skip
    members = (
        f'"name":{_text(name)}\0"name_en":{_text(name_en)}\0"kind":{_text(kind)}'
        f'\0"address":{_text(address)}\0"phones":{phones}\0"services":{_texts(services)}'
        f'\0"precision":{_text(precision)}\0"location_verified":{_bool(verified)}'
        f'\0"district_id":{_int(district_id)}\0"street_id":{_int(street_id)}'
        f'\0"committee_id":{_int(committee_id)}\0"version":{int(version)}'
        f'\0"statuses":[{",".join(parts)}]\0"problem_reported_at":{_time(problem_at)}{flat}'
    )
    if keep is None:
        properties = members.replace("\0", ",")
    else:
        properties = ",".join(m for m in members.split("\0") if m[1 : m.index('"', 1)] in keep)
    return (
        f'{{"type":"Feature","id":{resource_id},"geometry":{geometry},'
        f'"properties":{{{properties}}}}}'
    )


def _statuses(text: str | None) -> dict[str, tuple]:
    """The statuses' JSON text as (state, conditions' JSON text, reported_at,
    verified_at) by service, sorted by service (the order in which a feature lists the
    statuses of services the resource does not offer)."""
    if not text or text == "[]":
        return {}
    return {
        service: (state, conditions, _utc(reported_at), _utc(verified_at))
        for service, state, conditions, reported_at, verified_at in sorted(json.loads(text))
    }


def _reported(text: str | None) -> dict[str | None, datetime]:
    """The newest open problem report's time per service (None: the whole resource)."""
    if not text or text == "[]":
        return {}
    newest: dict[str | None, datetime] = {}
    for service, created_at in json.loads(text):
        at = _utc(created_at)
        if service not in newest or at > newest[service]:
            newest[service] = at
    return newest


def _utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _texts(values: Sequence[str]) -> str:
    return "[" + ",".join(map(encode_basestring, values)) + "]"


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _time(value: datetime | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'
