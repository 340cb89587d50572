"""Coordinators adding and correcting hospitals (possible duplicates shown before anything
is stored), and the record of those edits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.deps import (
    MAX_OFFSET,
    Coordinator,
    GeocodersDep,
    IdPath,
    NowDep,
    SettingsDep,
    StoreDep,
    Volunteer,
    names_for,
)
from app.api.error_responses import SIGNED_IN, errors
from app.api.origin import LinksDep
from app.api.routes_resources import resource_public
from app.api.versions import IfMatch, expected_version
from app.api.write_source import SourceDep
from app.core.errors import AppError, error_body
from app.domain.records import Resource, Token
from app.geo.location_links import LinkError
from app.models import (
    DuplicatePublic,
    DuplicatesPublic,
    ErrorBody,
    HospitalIn,
    HospitalPatch,
    ResourceConflictBody,
    ResourceEditPublic,
    ResourcePublic,
)
from app.services.duplicates import Duplicate
from app.services.hospital_edits import (
    PossibleDuplicates,
    Refused,
    ServiceHasStatus,
    create_hospital,
    duplicates_of_new,
    edit_hospital,
)
from app.services.locations import PointRefused, pasted_point
from app.services.problems import open_problems
from app.storage.errors import VersionConflict
from app.storage.port import Store

router = APIRouter(prefix="/api/v1/resources", tags=["resources"], route_class=CheckedRoute)
CONFLICTS = {
    409: {
        "model": ErrorBody,
        "description": "`possible_duplicates`: stored hospitals it may be, in `duplicates` "
        "(send allow_duplicates: true to store it all the same); `service_has_status`: "
        "a service left out has a status. Nothing was stored",
    }
}
STALE = {412: {"model": ResourceConflictBody, "description": "stale If-Match; with the resource"}}


class BadHospital(AppError):
    """A hospital that cannot be stored as sent; its code says why."""

    status_code = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DuplicatesFound(AppError):
    """Stored hospitals the one sent may be: listed, nothing stored."""

    status_code = 409
    code = "possible_duplicates"

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__(
            f"{len(duplicates)} stored hospital(s) may be this one: see duplicates; send "
            '"allow_duplicates": true to store it all the same'
        )
        self.duplicates = duplicates

    def extra(self) -> dict:
        """The duplicates, as ``POST …/duplicates`` lists them."""
        return {"duplicates": [d.model_dump(mode="json") for d in _listed(self.duplicates)]}


class StatusKept(AppError):
    """An edit would leave out a service that has a status."""

    status_code = 409
    code = "service_has_status"


def _listed(duplicates: list[Duplicate]) -> list[DuplicatePublic]:
    return [
        DuplicatePublic(
            id=d.resource.id,
            name=d.resource.name,
            address=d.resource.address,
            phones=list(d.resource.phones),
            distance_m=round(d.distance_m) if d.distance_m is not None else None,
            why=d.why,
        )
        for d in duplicates
    ]


def _answer(
    store: Store, resource: Resource, token: Token, response: Response, ttl: float, now: datetime
) -> ResourcePublic:
    """The resource as GET …/{id} shows it to the (signed-in) caller, its version as ETag."""
    [view] = store.view_resources(ids=[resource.id], limit=1)
    response.headers["ETag"] = f'"{view.resource.version}"'
    names = names_for(token, response)
    return resource_public(view, now, ttl, open_problems(store, [view]), names=names)


@router.post(
    "",
    response_model=ResourcePublic,
    status_code=201,
    max_body_size=body_limits.HOSPITAL,
    responses=SIGNED_IN | CONFLICTS | errors(400, 413, 422),
)
def create_resource(
    body: HospitalIn,
    response: Response,
    token: Coordinator,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    geocoders: GeocodersDep,
    via: SourceDep,
    to: LinksDep,
) -> ResourcePublic:
    """Coordinators: add a hospital. ``district`` by name or id; ``services`` by code or
    name; ``location`` as PUT …/location reads it (then exact and verified), else placed
    from the address (or name) by the offline gazetteer, else at the district's point.
    409 ``possible_duplicates`` lists stored hospitals with the same name or alias, the
    same phone, or a similar name within 200 m, and stores nothing unless
    ``allow_duplicates``. 422 codes: ``unknown_district``, ``unknown_service``,
    ``cannot_locate``, and those of PUT …/location. The creation is recorded (…/edits)."""
    try:
        point = pasted_point(body.location) if body.location is not None else None
        created = create_hospital(store, geocoders.get(online=False), body, point, token.name, via)
    except (LinkError, PointRefused, Refused) as exc:
        raise BadHospital(exc.code, str(exc)) from None
    except PossibleDuplicates as exc:
        raise DuplicatesFound(exc.duplicates) from None
    response.headers["Location"] = to.url("read_resource", resource_id=created.id)
    return _answer(store, created, token, response, settings.status_ttl_hours, now)


@router.post(
    "/duplicates",
    response_model=DuplicatesPublic,
    max_body_size=body_limits.HOSPITAL,
    responses=SIGNED_IN | errors(400, 413, 422),
)
def check_duplicates(
    body: HospitalIn, _coordinator: Coordinator, store: StoreDep, geocoders: GeocodersDep
) -> DuplicatesPublic:
    """Coordinators: the stored hospitals a hospital as POST /api/v1/resources would add it
    may be (same name or alias, same phone, similar name within 200 m), without storing
    anything: for a form to show while it is filled in."""
    try:
        point = pasted_point(body.location) if body.location is not None else None
        found = duplicates_of_new(store, geocoders.get(online=False), body, point)
    except (LinkError, PointRefused, Refused) as exc:
        raise BadHospital(exc.code, str(exc)) from None
    return DuplicatesPublic(duplicates=_listed(found))


@router.patch(
    "/{resource_id}",
    response_model=ResourcePublic,
    max_body_size=body_limits.HOSPITAL,
    responses=SIGNED_IN | CONFLICTS | STALE | errors(400, 404, 413, 422, 428),
)
def patch_resource(
    resource_id: IdPath,
    body: HospitalPatch,
    response: Response,
    token: Coordinator,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    via: SourceDep,
    geocoders: GeocodersDep,
    if_match: IfMatch = None,
) -> ResourcePublic | JSONResponse:
    """Coordinators: change any of name, name_en, aliases, address, phones, services (the
    whole list) and district; If-Match required (428 without, 412 with the resource when
    stale). A change that makes it a possible duplicate of another hospital is a 409 unless
    ``allow_duplicates``; leaving out a service that has a status is a 409
    ``service_has_status`` (report it closed instead). Nothing to change: 200, the same
    version. Each change is recorded (…/edits)."""
    version = expected_version(if_match)
    try:
        edited = edit_hospital(
            store, resource_id, version, body, token.name, via, geocoders.get(online=False).index
        )
    except VersionConflict:
        return _stale(store, resource_id, settings.status_ttl_hours, now)
    except Refused as exc:
        raise BadHospital(exc.code, str(exc)) from None
    except PossibleDuplicates as exc:
        raise DuplicatesFound(exc.duplicates) from None
    except ServiceHasStatus as exc:
        raise StatusKept(str(exc)) from None
    return _answer(store, edited, token, response, settings.status_ttl_hours, now)


def _stale(store: Store, resource_id: int, ttl: float, now: datetime) -> JSONResponse:
    """412 with the resource as it is now, so the page can show what changed."""
    [view] = store.view_resources(ids=[resource_id], limit=1)
    version = view.resource.version
    body = error_body("version_conflict", f"the resource is now at version {version}")
    problems = open_problems(store, [view])
    body["current"] = resource_public(view, now, ttl, problems, names=True)
    headers = {"ETag": f'"{version}"', "Vary": "Authorization, Cookie", "Cache-Control": "private"}
    return JSONResponse(jsonable_encoder(body), status_code=412, headers=headers)


@router.get(
    "/{resource_id}/edits",
    response_model=list[ResourceEditPublic],
    responses=SIGNED_IN | errors(404, 422),
)
def read_edits(
    resource_id: IdPath,
    volunteer: Volunteer,
    store: StoreDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[ResourceEditPublic]:
    """Volunteers: who created the resource and changed its fields, newest first: each
    field's ``[old, new]``, when, from where (workspace, api). Status changes are in
    …/history, moved points in …/location-history."""
    store.get_resource(resource_id)
    names_for(volunteer, response)  # private: it names people
    return [
        ResourceEditPublic(
            id=e.id,
            resource_version=e.resource_version,
            action=e.action,
            changes={name: list(pair) for name, pair in e.changes.items()},
            changed_by=e.changed_by,
            changed_at=e.changed_at,
            source=e.via,
        )
        for e in store.resource_edits(resource_id, limit=limit, offset=offset)
    ]
