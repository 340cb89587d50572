"""Intake status: versioned updates, verification, batches, history and the queue of calls."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from app.api import body_limits
from app.api.deps import (
    MAX_OFFSET,
    IdPath,
    NowDep,
    SettingsDep,
    StoreDep,
    Verifier,
    Volunteer,
)
from app.api.error_responses import SIGNED_IN, errors
from app.core.errors import AppError, BadHeader, Forbidden, PreconditionRequired, error_body
from app.core.metrics import count_status_conflict, count_status_written
from app.models import (
    BatchItemResult,
    BatchResult,
    HistoryPublic,
    QueueItem,
    StatusBatch,
    StatusPublic,
    StatusUpdate,
    StatusWritten,
    VersionConflictBody,
)
from app.services.freshness import status_views
from app.services.status import (
    StatusRuleError,
    VerifyNotAllowed,
    check_batch,
    make_report,
    queue_age,
    verification_queue,
)
from app.storage.base import IntakeStatus, StatusChange, Store, Token, VersionConflict

router = APIRouter(prefix="/api/v1", tags=["status"])
ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')
ServicePath = Annotated[str, Path(min_length=1, max_length=32, examples=["dialysis"])]
IfMatch = Annotated[str | None, Header(description='the resource ETag, e.g. "5"', examples=['"1"'])]
CONFLICT = {
    412: {"model": VersionConflictBody, "description": "stale If-Match; with the current statuses"}
}
WRITE_ERRORS = SIGNED_IN | CONFLICT | errors(400, 404, 422)
"""A versioned write: a token, a readable If-Match that is current, a known resource."""


class BadStatus(AppError):
    """The report breaks a status rule."""

    status_code = 422
    code = "invalid_status"


def expected_version(if_match: str | None) -> int:
    """The version an ``If-Match: "<version>"`` names; 428 when absent, 400 when malformed."""
    if if_match is None:
        raise PreconditionRequired('send If-Match: "<version>" (the ETag of the resource)')
    found = ETAG.match(if_match)
    if found is None:
        raise BadHeader(f'If-Match must look like "12", not {if_match[:40]!r}')
    return int(found[1])


def _public(status: IntakeStatus, now: datetime, ttl: float) -> StatusPublic:
    [view] = status_views((), {status.service: status}, now, ttl)
    return StatusPublic(**view)


def _conflict(store: Store, resource_id: int, now: datetime, ttl: float) -> JSONResponse:
    """412 with the current version and statuses, so the client can show what changed."""
    [view] = store.view_resources(ids=[resource_id], limit=1)
    version = view.resource.version
    body = error_body("version_conflict", f"the resource is now at version {version}")
    body["current"] = {
        "version": version,
        "statuses": status_views(view.resource.services, view.statuses, now, ttl),
    }
    return JSONResponse(jsonable_encoder(body), status_code=412, headers={"ETag": f'"{version}"'})


def _written(
    resource_version: int, status: IntakeStatus, response: Response, now: datetime, ttl: float
) -> StatusWritten:
    response.headers["ETag"] = f'"{resource_version}"'
    return StatusWritten(
        resource_id=status.resource_id, version=resource_version, status=_public(status, now, ttl)
    )


def _report(token: Token, update: StatusUpdate, now: datetime):
    try:
        return make_report(
            token, update.state, update.conditions, update.note, update.source,
            update.verified, update.reported_at, now,
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
def put_status(
    resource_id: IdPath,
    service: ServicePath,
    update: StatusUpdate,
    response: Response,
    token: Volunteer,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    if_match: IfMatch = None,
) -> StatusWritten | JSONResponse:
    """Report one service's status; If-Match carries the version the volunteer saw."""
    version = expected_version(if_match)
    report = _report(token, update, now)
    try:
        resource, status = store.set_status(resource_id, service, report, version)
    except VersionConflict:
        count_status_conflict("put")
        return _conflict(store, resource_id, now, settings.status_ttl_hours)
    count_status_written(status, "put")
    return _written(resource.version, status, response, now, settings.status_ttl_hours)


@router.post(
    "/resources/{resource_id}/status/{service}/verify",
    response_model=StatusWritten,
    max_body_size=body_limits.VERIFY,
    responses=WRITE_ERRORS,
)
def verify_status(
    resource_id: IdPath,
    service: ServicePath,
    response: Response,
    token: Verifier,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    if_match: IfMatch = None,
) -> StatusWritten | JSONResponse:
    """Confirm the current report as it is (If-Match optional)."""
    version = expected_version(if_match) if if_match is not None else None
    try:
        resource, status = store.verify_status(resource_id, service, token.name, version)
    except VersionConflict:
        count_status_conflict("verify")
        return _conflict(store, resource_id, now, settings.status_ttl_hours)
    count_status_written(status, "verify")
    return _written(resource.version, status, response, now, settings.status_ttl_hours)


@router.post(
    "/status-batch",
    response_model=BatchResult,
    max_body_size=body_limits.STATUS_BATCH,
    responses=SIGNED_IN
    | errors(400, 413, 422)
    | {409: {"model": BatchResult, "description": "nothing applied; see the items"}},
)
def post_status_batch(
    batch: StatusBatch, token: Volunteer, store: StoreDep, now: NowDep
) -> BatchResult | JSONResponse:
    """Apply many updates in one transaction: all of them, or none with a per-item report."""
    changes = [
        StatusChange(i.resource_id, i.service, _report(token, i.update, now), i.expected_version)
        for i in batch.items
    ]
    checks = check_batch(store, changes)
    failed = any(check.error for check in checks)
    if not failed:
        try:
            written = store.set_statuses(changes)
        except VersionConflict as exc:  # a write between the check and the transaction
            failed, checks = True, [c.__class__(c.change, str(exc), True) for c in checks]
    if failed:
        if any(check.conflict for check in checks):
            count_status_conflict("batch")
        items = [
            BatchItemResult(
                resource_id=c.change.resource_id,
                service=c.change.service,
                ok=False,
                error=c.error or "not applied: another item failed",
            )
            for c in checks
        ]
        body = BatchResult(applied=False, items=items)
        return JSONResponse(jsonable_encoder(body), status_code=409)
    for _, status in written:
        count_status_written(status, "batch")
    return BatchResult(
        applied=True,
        items=[
            BatchItemResult(resource_id=r.id, service=s.service, ok=True, version=r.version)
            for r, s in written
        ],
    )


@router.get(
    "/resources/{resource_id}/history",
    response_model=list[HistoryPublic],
    responses=errors(404, 422),
)
def read_history(
    resource_id: IdPath,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    service: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[HistoryPublic]:
    """Every change, newest first; nothing in the API edits or deletes history."""
    store.get_resource(resource_id)
    entries = store.history(resource_id, service=service, limit=limit, offset=offset)
    return [
        HistoryPublic(
            id=e.id,
            resource_version=e.resource_version,
            status=_public(e.status, now, settings.status_ttl_hours),
        )
        for e in entries
    ]


@router.get(
    "/verification-queue", response_model=list[QueueItem], responses=SIGNED_IN | errors(422)
)
def read_verification_queue(
    _token: Verifier,
    store: StoreDep,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[QueueItem]:
    """Statuses most in need of a call: reported problems, never verified, then oldest."""
    entries = verification_queue(store, now)[offset : offset + limit]
    return [
        QueueItem(
            resource_id=e.view.resource.id,
            name=e.view.resource.name,
            phones=list(e.view.resource.phones),
            service=e.service,
            state=e.status.state if e.status else "unknown",
            reason=e.reason,
            checked_at=e.checked,
            age_seconds=queue_age(e, now),
            problem_reports=[r.text for r in e.reports],
        )
        for e in entries
    ]
