"""Resources (hospitals, offices …) with their current intake statuses."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import (
    MAX_OFFSET,
    IdPath,
    NowDep,
    OptionalToken,
    SettingsDep,
    StoreDep,
    names_for,
)
from app.api.error_responses import errors
from app.models import ResourcePublic, StatusPublic
from app.services.attributes import shown_attributes
from app.services.freshness import status_views
from app.services.layers import area_for
from app.services.problems import open_problems
from app.storage.base import NotFound, ResourceView, State

router = APIRouter(prefix="/api/v1/resources", tags=["resources"], responses=errors(422))


def _public(
    view: ResourceView,
    now: datetime,
    ttl_hours: float,
    problems: dict[int, datetime],
    names: bool = False,
) -> ResourcePublic:
    """A resource with its statuses and open problem flag (``problems``: from
    ``open_problems``); volunteers' names and private columns only with ``names``
    (signed in)."""
    statuses = status_views(view.resource.services, view.statuses, now, ttl_hours, names=names)
    fields = asdict(view.resource) | {
        "attributes": shown_attributes(view.resource.attributes, signed_in=names)
    }
    return ResourcePublic(
        **fields,
        statuses=[StatusPublic(**status) for status in statuses],
        problem_reported_at=problems.get(view.resource.id),
    )


@router.get("", response_model=list[ResourcePublic])
def list_resources(
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
    token: OptionalToken,
    kind: Annotated[str | None, Query(max_length=32, examples=["hospital"])] = None,
    service: Annotated[str | None, Query(max_length=32, examples=["dialysis"])] = None,
    state: Annotated[list[State] | None, Query(description="with service: states wanted")] = None,
    fresh: Annotated[bool, Query(description="with service: drop stale statuses")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[ResourcePublic]:
    """List resources by id, optionally of one kind, or open (fresh) for one service. With
    a token (any role), statuses name volunteers and every imported column is shown."""
    ttl = settings.status_ttl_hours
    if service is None:
        views = store.view_resources(kind=kind, limit=limit, offset=offset)
    else:  # filtered and paged by the database: one page is read, never the whole layer
        area = area_for(None, None, service, frozenset(state or ()), fresh, now, ttl)
        _, views = store.resources_in(kind, area, limit, offset, count=False)
    names = names_for(token, response)
    problems = open_problems(store, views)
    return [_public(view, now, ttl, problems, names=names) for view in views]


@router.get("/{resource_id}", response_model=ResourcePublic, responses=errors(401, 404, 429))
def read_resource(
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    resource_id: IdPath,
    response: Response,
    token: OptionalToken,
) -> ResourcePublic:
    """Read one resource with a status for every service it offers; its ETag is its version.
    With a token (any role), statuses name the volunteers who reported and verified them."""
    views = store.view_resources(ids=[resource_id], limit=1)
    if not views:
        raise NotFound(f"no resource {resource_id}")
    response.headers["ETag"] = f'"{views[0].resource.version}"'
    problems = open_problems(store, views)
    ttl = settings.status_ttl_hours
    return _public(views[0], now, ttl, problems, names=names_for(token, response))
