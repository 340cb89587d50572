"""What an items (or item) request asks of the features' form and order, beyond the area:
``crs`` (Features Part 2), ``properties`` and ``skipGeometry``, and ``sortby`` with
``near``. Each is checked against the collection, and a bad value is a 400."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.api.layer_params import CollectionDep
from app.api.layer_responses import BadLayerQuery, crs_named, parse_point
from app.domain.layers import SortKey
from app.services.feature_json import FeatureShape


def feature_shape(
    collection: CollectionDep,
    crs: Annotated[str | None, Query(max_length=100)] = None,
    properties: Annotated[str | None, Query(max_length=500)] = None,
    skip_geometry: Annotated[bool, Query(alias="skipGeometry")] = False,
) -> FeatureShape:
    """The features' CRS, properties and geometry as the query asks; 400 for an unknown
    CRS or property."""
    kept = None
    if properties is not None:
        kept = frozenset(p.strip() for p in properties.split(",") if p.strip())
        unknown = sorted(kept - set(collection.properties))
        if unknown:
            raise BadLayerQuery(
                f"{collection.id} has no properties {', '.join(unknown)[:80]}; "
                f"among {', '.join(collection.properties)}"
            )
    return FeatureShape(crs_named(crs), kept, not skip_geometry)


FeatureShapeDep = Annotated[FeatureShape, Depends(feature_shape)]


def sort_keys(
    collection: CollectionDep,
    sortby: Annotated[str | None, Query(max_length=200)] = None,
    near: Annotated[str | None, Query(max_length=60)] = None,
) -> tuple[SortKey, ...]:
    """``sortby=name,-status_time`` as sort keys (``+``/``-`` prefixes; a ``+`` the URL
    did not encode arrives as a space); ``distance`` from ``near=lon,lat`` (CRS84)."""
    keys = []
    point = None if near is None else parse_point(near)
    for part in (sortby or "").split(","):
        name = part.strip().lstrip("+")
        if not name:
            continue
        descending = name.startswith("-")
        name = name.removeprefix("-")
        if name not in collection.sort_keys:
            raise BadLayerQuery(
                f"{collection.id} cannot be sorted by {name[:40]!r}; "
                f"only by {', '.join(collection.sort_keys)}"
            )
        if name == "distance" and point is None:
            raise BadLayerQuery("sortby=distance needs near=lon,lat (CRS84 degrees)")
        keys.append(SortKey(name, descending, point if name == "distance" else None))
    if point is not None and not any(k.name == "distance" for k in keys):
        raise BadLayerQuery("near is the point of sortby=distance, which was not asked")
    return tuple(keys)


SortKeysDep = Annotated[tuple[SortKey, ...], Depends(sort_keys)]
