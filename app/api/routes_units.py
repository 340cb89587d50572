"""Administrative units: districts, streets/towns and committees."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.checked_route import CheckedRoute
from app.api.deps import MAX_ID, MAX_OFFSET, GeocodersDep, IdPath, StoreDep
from app.api.error_responses import errors
from app.domain.enums import Level
from app.models import UnitPublic
from app.services.units import units_matching

router = APIRouter(
    prefix="/api/v1/units", tags=["units"], responses=errors(422), route_class=CheckedRoute
)


@router.get("", response_model=list[UnitPublic])
def list_units(
    store: StoreDep,
    geocoders: GeocodersDep,
    level: Level | None = None,
    name: Annotated[
        str | None,
        Query(max_length=100, description="a name, former name, short form (塘桥) or beginning"),
    ] = None,
    parent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[UnitPublic]:
    """List units by level, parent or name: a unit's exact name, else the units it is a
    former name (闸北区), short form (塘桥 → 塘桥街道) or beginning (东三里) of."""
    if name:
        search = geocoders.get(online=False).index.search
        found = units_matching(
            store, search, name, level, parent_id=parent_id, limit=limit, offset=offset
        )
    else:
        found = store.find_units(level=level, parent_id=parent_id, limit=limit, offset=offset)
    return [UnitPublic(**asdict(unit)) for unit in found]


@router.get("/{unit_id}", response_model=UnitPublic, responses=errors(404))
def read_unit(store: StoreDep, unit_id: IdPath) -> UnitPublic:
    """Read one unit."""
    return UnitPublic(**asdict(store.get_unit(unit_id)))
