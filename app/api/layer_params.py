"""What a layer request asks for, resolved once for every route that draws layers (OGC items,
clusters): the collection its path names (404) and the filter its query builds (400/404),
as tipg's ``dependencies.py`` resolves ``CollectionParams`` and its filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query

from app.api.deps import NowDep, SettingsDep, StoreDep
from app.api.layer_responses import BadLayerQuery, crs_named, parse_bbox
from app.core.errors import AppError
from app.domain.enums import Level
from app.domain.layers import Area
from app.domain.statuses import State
from app.services.layers import COLLECTIONS, Collection, area_for
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
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    bbox: Annotated[str | None, Query(description="west,south,east,north (CRS84)")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs", max_length=100)] = None,
    service: Annotated[str | None, Query(max_length=32)] = None,
    state: Annotated[str | None, Query(max_length=100, description="e.g. open,limited")] = None,
    fresh: bool = False,
    district: Annotated[str | None, Query(max_length=20, description="name or alias")] = None,
) -> LayerQuery:
    """The layer and area a request's path and query parameters name (a ``bbox`` in the
    ``bbox-crs``, CRS84 by default); 400/404 for bad ones."""
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
    return LayerQuery(collection, area, filters_states=state is not None or fresh)


LayerQueryDep = Annotated[LayerQuery, Depends(layer_query)]
