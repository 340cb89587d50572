"""Resources (hospitals, offices …) with their current intake statuses."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import ResourceById, SettingsDep, StoreDep
from app.models import ResourcePublic, StatusPublic
from app.services.freshness import status_views
from app.storage.base import Resource, Store

router = APIRouter(prefix="/api/v1/resources", tags=["resources"])


def _public(store: Store, resource: Resource, ttl_hours: float) -> ResourcePublic:
    views = status_views(
        resource.services, store.get_statuses(resource.id), datetime.now(UTC), ttl_hours
    )
    return ResourcePublic(**asdict(resource), statuses=[StatusPublic(**v) for v in views])


@router.get("", response_model=list[ResourcePublic])
def list_resources(
    store: StoreDep,
    settings: SettingsDep,
    kind: Annotated[str | None, Query(max_length=32, examples=["hospital"])] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ResourcePublic]:
    """List resources by id, optionally of one kind."""
    found = store.list_resources(kind=kind, limit=limit, offset=offset)
    return [_public(store, r, settings.status_ttl_hours) for r in found]


@router.get("/{resource_id}", response_model=ResourcePublic)
def read_resource(store: StoreDep, settings: SettingsDep, resource: ResourceById) -> ResourcePublic:
    """Read one resource with a status for every service it offers."""
    return _public(store, resource, settings.status_ttl_hours)
