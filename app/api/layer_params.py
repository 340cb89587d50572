"""What a layer request asks for, resolved once for every route that draws layers (OGC items,
clusters): the collection its path names (404) and the filter its query builds (400/404),
as tipg's ``dependencies.py`` resolves ``CollectionParams`` and its filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from app.api.deps import NowDep, SettingsDep, StoreDep
from app.api.layer_responses import CRS84, BadLayerQuery, crs_named, parse_bbox
from app.core.errors import AppError
from app.domain.enums import Level
from app.domain.layers import Area
from app.domain.statuses import State
from app.services.layers import COLLECTIONS, Collection, area_for
from app.services.ogc_filters import (
    FILTER_LANGS,
    MAX_FILTER_CHARS,
    both,
    parse_datetime,
    parse_filter,
    property_filter,
)
from app.services.units import units_named
from app.storage.errors import NotFound

CollectionId = Annotated[
    str, Path(description="an unknown id is a 404", json_schema_extra={"enum": list(COLLECTIONS)})
]


def collection_named(collection_id: CollectionId) -> Collection:
    """The layer a ``{collection_id}`` path names; 404 otherwise."""
    collection = COLLECTIONS.get(collection_id)
    if collection is None:
        raise NotFound(f"no collection {collection_id[:40]!r}; see /ogc/collections")
    return collection


CollectionDep = Annotated[Collection, Depends(collection_named)]


def parse_states(text: str | None, bad: type[AppError]) -> frozenset[State]:
    """``open,limited`` → the states it names (empty when none is); ``bad`` otherwise."""
    try:
        return frozenset(State(part.strip()) for part in (text or "").split(",") if part.strip())
    except ValueError:
        raise bad(f"state must be among {', '.join(State)}, not {text[:40]!r}") from None


@dataclass(frozen=True, slots=True)
class LayerQuery:
    """A layer and the store's area filter for it, as a request's query asked."""

    collection: Collection
    area: Area
    filters_states: bool
    """The query named states or asked for fresh ones (beyond the default open)."""


def layer_query(
    collection: CollectionDep,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    bbox: Annotated[str | None, Query(description="west,south,east,north (CRS84)")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs", max_length=100)] = None,
    service: Annotated[str | None, Query(max_length=32)] = None,
    state: Annotated[str | None, Query(max_length=100, description="e.g. open,limited")] = None,
    fresh: bool = False,
    district: Annotated[str | None, Query(max_length=20, description="name or alias")] = None,
    datetime: Annotated[
        str | None,
        Query(max_length=100, description="instant or start/end (.. open): the status time"),
    ] = None,
    filter: Annotated[
        str | None, Query(max_length=MAX_FILTER_CHARS, description="CQL2, see queryables")
    ] = None,
    filter_lang: Annotated[
        str | None, Query(alias="filter-lang", description=", ".join(FILTER_LANGS))
    ] = None,
    filter_crs: Annotated[
        str | None, Query(alias="filter-crs", max_length=100, description=f"only {CRS84}")
    ] = None,
) -> LayerQuery:
    """The layer and area a request's path and query parameters name (a ``bbox`` in the
    ``bbox-crs``, CRS84 by default); 400/404 for bad ones. Query parameters named like a
    queryable (``?name=…``) filter by equality."""
    if service is not None and collection.kind is None:
        raise BadLayerQuery(f"{collection.id} has no statuses to filter by service")
    if service is not None and service not in {s.code for s in store.list_services()}:
        raise NotFound(f"no service {service!r}")
    states = parse_states(state, BadLayerQuery)
    district_id = None
    if district is not None:
        found = units_named(store, district, Level.district)
        if not found:
            raise NotFound(f"no district {district!r}")
        district_id = found[0].id
    area = area_for(
        parse_bbox(bbox, crs_named(bbox_crs)),
        district_id,
        service,
        states,
        fresh,
        now,
        settings.status_ttl_hours,
    )
    if filter_crs not in {None, CRS84}:
        raise BadLayerQuery(f"only filter-crs={CRS84} is supported")
    if filter_lang is not None and filter is None:
        raise BadLayerQuery("filter-lang without a filter")
    where = both(
        property_filter(request.query_params, collection),
        None if filter is None else parse_filter(filter, filter_lang, collection),
    )
    during = None if datetime is None else parse_datetime(datetime)
    area = replace(area, where=where, during=during if collection.kind is not None else None)
    return LayerQuery(collection, area, filters_states=state is not None or fresh)


LayerQueryDep = Annotated[LayerQuery, Depends(layer_query)]
