"""Resources (hospitals, offices …) with their current intake statuses."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.checked_route import CheckedRoute
from app.api.deps import (
    MAX_OFFSET,
    Coordinator,
    IdPath,
    NowDep,
    OptionalToken,
    ServiceByName,
    SettingsDep,
    StoreDep,
    names_for,
)
from app.api.error_responses import SIGNED_IN, errors
from app.api.versions import IfMatch, expected_version
from app.api.write_source import SourceDep
from app.core.errors import AppError
from app.core.text import clean_text
from app.domain.records import ResourceView
from app.domain.statuses import State
from app.models import ResourcePublic, StatusPublic
from app.services.attributes import shown_attributes
from app.services.freshness import status_dicts
from app.services.layers import area_for
from app.services.problems import open_problems
from app.storage.errors import NotFound, VersionConflict

router = APIRouter(
    prefix="/api/v1/resources", tags=["resources"], responses=errors(422), route_class=CheckedRoute
)


def resource_public(
    view: ResourceView,
    now: datetime,
    ttl_hours: float,
    problems: dict[int, datetime],
    names: bool = False,
) -> ResourcePublic:
    """A resource with its statuses and open problem flag (``problems``: from
    ``open_problems``); volunteers' names and private columns only with ``names``
    (signed in)."""
    statuses = status_dicts(view.resource.services, view.statuses, now, ttl_hours, names=names)
    fields = asdict(view.resource) | {
        "attributes": shown_attributes(view.resource.attributes, signed_in=names)
    }
    return ResourcePublic(
        **fields,
        statuses=[StatusPublic(**status) for status in statuses],
        problem_reported_at=problems.get(view.resource.id),
    )


class BadName(AppError):
    """A name query that cannot be matched as text."""

    status_code = 422
    code = "invalid_request"


NOT_IN_NAMES = frozenset('"\\[],')
"""Characters refused in ``name``: they would match the JSON the aliases are stored in."""


def name_query(name: str) -> str:
    """``name`` as matched: cleaned, full-width forms folded; 422 if nothing is left or
    it holds a character of ``NOT_IN_NAMES``."""
    text = clean_text(unicodedata.normalize("NFKC", name))
    if not text or NOT_IN_NAMES.intersection(text):
        raise BadName('query.name: give part of a name, without " \\ [ ] or ,')
    return text


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
    name: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=50,
            description="part of a name, English name or alias (仁济, 瑞金, ruijin)",
            examples=["仁济"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[ResourcePublic]:
    """List resources by id: of one kind, named like ``name``, open (fresh) for a service.
    With a token (any role), statuses name volunteers and every imported column is shown."""
    ttl = settings.status_ttl_hours
    if service is None and name is None:
        views = store.view_resources(kind=kind, limit=limit, offset=offset)
    else:  # filtered and paged by the database: one page is read, never the whole layer
        area = area_for(None, None, service, frozenset(state or ()), fresh, now, ttl)
        area = replace(area, name=name_query(name)) if name is not None else area
        _, views = store.resources_in(kind, area, limit, offset, count=False)
    names = names_for(token, response)
    problems = open_problems(store, views)
    return [resource_public(view, now, ttl, problems, names=names) for view in views]


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
    return resource_public(views[0], now, ttl, problems, names=names_for(token, response))


@router.put(
    "/{resource_id}/services/{service}",
    response_model=ResourcePublic,
    responses=SIGNED_IN | errors(400, 404, 412, 422),
)
def add_service(
    resource_id: IdPath,
    service: ServiceByName,
    response: Response,
    token: Coordinator,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    via: SourceDep,
    if_match: IfMatch = None,
) -> ResourcePublic:
    """Coordinators: add a service to those a resource lists, so that volunteers may report
    its status; nothing changes when it is listed already. If-Match is optional (a stale
    one is a 412); the answer's ETag is the resource's version. The change is recorded
    (GET …/edits)."""
    resource = store.get_resource(resource_id)
    if if_match is not None:
        version = expected_version(if_match)
        if version != resource.version:
            raise VersionConflict(resource.version)
    if service not in resource.services:
        services = (*resource.services, service)
        store.edit_resource(resource_id, resource.version, {"services": services}, token.name, via)
    [view] = store.view_resources(ids=[resource_id], limit=1)
    response.headers["ETag"] = f'"{view.resource.version}"'
    problems = open_problems(store, [view])
    ttl = settings.status_ttl_hours
    return resource_public(view, now, ttl, problems, names=names_for(token, response))
