"""Intake status: versioned updates, verification, batches and history (the queue of calls:
``routes_queue``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.deps import (
    MAX_OFFSET,
    IdPath,
    NowDep,
    OptionalToken,
    ServiceByName,
    SettingsDep,
    StoreDep,
    Verifier,
    Volunteer,
    names_for,
)
from app.api.error_responses import SIGNED_IN, errors
from app.api.versions import IfMatch, expected_version
from app.api.write_source import SourceDep
from app.core.errors import AppError, Forbidden, error_body
from app.core.fields import SERVICE_CODE
from app.core.metrics import count_status_conflict, count_status_written
from app.domain.enums import WriteSource
from app.domain.records import Token
from app.domain.statuses import IntakeStatus, StatusChange, StatusReport, StatusWrite
from app.models import (
    BatchItemResult,
    BatchResult,
    HistoryPublic,
    StatusBatch,
    StatusPublic,
    StatusUpdate,
    StatusWritten,
    VersionConflictBody,
)
from app.services.freshness import status_dicts
from app.services.status import (
    BatchCheck,
    StatusRuleError,
    VerifyNotAllowed,
    check_batch,
    make_report,
    version_conflict,
)
from app.services.vocabulary import service_code
from app.storage.errors import VersionConflict
from app.storage.port import Store

router = APIRouter(prefix="/api/v1", tags=["status"], route_class=CheckedRoute)
CONFLICT = {
    412: {"model": VersionConflictBody, "description": "stale If-Match; with the current statuses"}
}
WRITE_ERRORS = SIGNED_IN | CONFLICT | errors(400, 404, 422)
"""A versioned write: a token, a readable If-Match that is current, a known resource."""


class BadStatus(AppError):
    """The report breaks a status rule."""

    status_code = 422
    code = "invalid_status"


def _public(status: IntakeStatus, now: datetime, ttl: float, names: bool) -> StatusPublic:
    """A status as the caller may see it: volunteers' names only for ``names``."""
    [view] = status_dicts((), {status.service: status}, now, ttl, names=names)
    return StatusPublic(**view)


def _conflict(store: Store, resource_id: int, now: datetime, ttl: float) -> JSONResponse:
    """412 with the current version and statuses, so the client can show what changed."""
    [view] = store.view_resources(ids=[resource_id], limit=1)
    version = view.resource.version
    body = error_body("version_conflict", f"the resource is now at version {version}")
    statuses = status_dicts(view.resource.services, view.statuses, now, ttl, names=True)
    body["current"] = {"version": version, "statuses": statuses}
    return JSONResponse(jsonable_encoder(body), status_code=412, headers={"ETag": f'"{version}"'})


def _written(write: StatusWrite, response: Response, now: datetime, ttl: float) -> StatusWritten:
    """The answer to a token holder's write: the status now current, the version (ETag)."""
    response.headers["ETag"] = f'"{write.version}"'
    return StatusWritten(
        resource_id=write.resource_id,
        version=write.version,
        status=_public(write.status, now, ttl, names=True),
        late=write.late,
    )


def _report(token: Token, update: StatusUpdate, now: datetime, via: WriteSource):
    try:
        return make_report(
            token, update.state, update.conditions, update.note, update.source,
            update.verified, update.reported_at, now, via,
        )  # fmt: skip
    except VerifyNotAllowed as exc:
        raise Forbidden(str(exc)) from None
    except StatusRuleError as exc:
        raise BadStatus(str(exc)) from None


@router.put(
    "/resources/{resource_id}/status/{service}",
    response_model=StatusWritten,
    max_body_size=body_limits.STATUS,
    responses=WRITE_ERRORS | errors(413, 428),
)
async def put_status(
    resource_id: IdPath,
    service: ServiceByName,
    update: StatusUpdate,
    response: Response,
    token: Volunteer,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    via: SourceDep,
    if_match: IfMatch = None,
) -> StatusWritten | JSONResponse:
    """Report one service's status; If-Match carries the version the volunteer saw. The
    service may be named in Chinese (血透); the resource must list it (422 otherwise: a
    coordinator adds it with PUT /api/v1/resources/{id}/services/{service}). A report
    older than the current status's last check is kept as late (``late: true``)."""
    version = expected_version(if_match)
    report = _report(token, update, now, via)
    ttl = settings.status_ttl_hours
    # one worker-thread hop for the store; a sync route would pay another to check its answer
    write = await run_in_threadpool(
        _file_status, store, resource_id, service, report, version, now, ttl
    )
    if isinstance(write, JSONResponse):
        return write
    if not write.late:
        count_status_written(write.status, "put")
    return _written(write, response, now, ttl)


def _file_status(
    store: Store,
    resource_id: int,
    service: str,
    report: StatusReport,
    version: int,
    now: datetime,
    ttl: float,
) -> StatusWrite | JSONResponse:
    """The write, checking the resource (404) and that it lists the service (422), in
    the same transaction; or the 412 with the current statuses."""
    try:
        return store.set_status(resource_id, service, report, version, offered_only=True)
    except VersionConflict:
        count_status_conflict("put")
        return _conflict(store, resource_id, now, ttl)


@router.post(
    "/resources/{resource_id}/status/{service}/verify",
    response_model=StatusWritten,
    max_body_size=body_limits.VERIFY,
    responses=WRITE_ERRORS | errors(428),
)
def verify_status(
    resource_id: IdPath,
    service: ServiceByName,
    response: Response,
    token: Verifier,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    via: SourceDep,
    if_match: IfMatch = None,
) -> StatusWritten | JSONResponse:
    """Confirm the current report as it is. If-Match is required (428 without): a
    verification names the version it confirms, so it never confirms (nor answers a
    problem report about) a status its verifier did not see."""
    version = expected_version(if_match)
    try:
        write = store.verify_status(resource_id, service, token.name, version, via)
    except VersionConflict:
        count_status_conflict("verify")
        return _conflict(store, resource_id, now, settings.status_ttl_hours)
    count_status_written(write.status, "verify")
    return _written(write, response, now, settings.status_ttl_hours)


@router.post(
    "/status-batch",
    response_model=BatchResult,
    max_body_size=body_limits.STATUS_BATCH,
    responses=SIGNED_IN
    | errors(400, 413, 422)
    | {409: {"model": BatchResult, "description": "nothing applied; see the items"}},
)
def post_status_batch(
    batch: StatusBatch, token: Volunteer, store: StoreDep, now: NowDep, via: SourceDep
) -> BatchResult | JSONResponse:
    """Apply many updates in one transaction, as the same PUTs with If-Match in order would
    be: all of them, or none with a per-item report (409). Services may be named as in the
    PUT (血透, Dialysis); the answer gives their codes."""
    services = store.list_services()
    changes = [
        StatusChange(
            i.resource_id,
            service_code(services, i.service) or i.service,  # unknown: the item's error
            _report(token, i.update, now, via),
            i.expected_version,
        )
        for i in batch.items
    ]
    checks = check_batch(store, changes, now)
    if not any(check.error for check in checks):
        try:
            written = store.set_statuses(changes)
        except VersionConflict as exc:  # a write between the check and the transaction
            checks = [BatchCheck(change, None) for change in changes]
            if exc.item is not None:
                checks[exc.item] = version_conflict(changes[exc.item], exc.current_version)
        else:
            for write in written:
                if not write.late:
                    count_status_written(write.status, "batch")
            return BatchResult(applied=True, items=[_applied(write) for write in written])
    if any(check.current_version is not None for check in checks):
        count_status_conflict("batch")
    items = [
        BatchItemResult(
            resource_id=c.change.resource_id,
            service=c.change.service,
            ok=False,
            error=c.error or "not applied: another item failed",
            current_version=c.current_version,
        )
        for c in checks
    ]
    body = BatchResult(applied=False, items=items)
    return JSONResponse(jsonable_encoder(body), status_code=409)


def _applied(write: StatusWrite) -> BatchItemResult:
    return BatchItemResult(
        resource_id=write.resource_id,
        service=write.status.service,
        ok=True,
        version=write.version,
        late=write.late,
    )


@router.get(
    "/resources/{resource_id}/history",
    response_model=list[HistoryPublic],
    responses=errors(401, 404, 422, 429),
)
def read_history(
    resource_id: IdPath,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    token: OptionalToken,
    response: Response,
    service: Annotated[str | None, Query(pattern=SERVICE_CODE)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[HistoryPublic]:
    """Every report, newest first, late ones marked, each with where it was made
    (``source``: workspace, api, import); nothing in the API edits or deletes history.
    Volunteers' names only with a token. Moves of the point: ``location-history``."""
    store.get_resource(resource_id)
    entries = store.history(resource_id, service=service, limit=limit, offset=offset)
    ttl, names = settings.status_ttl_hours, names_for(token, response)
    return [
        HistoryPublic(
            id=e.id,
            resource_version=e.resource_version,
            status=_public(e.status, now, ttl, names),
            late=e.late,
            source=e.via,
        )
        for e in entries
    ]
