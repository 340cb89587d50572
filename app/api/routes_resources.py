"""Resources (hospitals, offices …) with their current intake statuses."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import MAX_OFFSET, IdPath, SettingsDep, StoreDep
from app.models import ResourcePublic, StatusPublic
from app.services.freshness import status_views
from app.storage.base import NotFound, ResourceView

router = APIRouter(prefix="/api/v1/resources", tags=["resources"])


def _public(view: ResourceView, now: datetime, ttl_hours: float) -> ResourcePublic:
    statuses = status_views(view.resource.services, view.statuses, now, ttl_hours)
    return ResourcePublic(
        **asdict(view.resource), statuses=[StatusPublic(**status) for status in statuses]
    )


@router.get("", response_model=list[ResourcePublic])
def list_resources(
    store: StoreDep,
    settings: SettingsDep,
    kind: Annotated[str | None, Query(max_length=32, examples=["hospital"])] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[ResourcePublic]:
    """List resources by id, optionally of one kind."""
    now = datetime.now(UTC)
    views = store.view_resources(kind=kind, limit=limit, offset=offset)
    return [_public(view, now, settings.status_ttl_hours) for view in views]


@router.get("/{resource_id}", response_model=ResourcePublic)
def read_resource(store: StoreDep, settings: SettingsDep, resource_id: IdPath) -> ResourcePublic:
    """Read one resource with a status for every service it offers."""
    views = store.view_resources(ids=[resource_id], limit=1)
    if not views:
        raise NotFound(f"no resource {resource_id}")
    return _public(views[0], datetime.now(UTC), settings.status_ttl_hours)
