"""Storage errors as HTTP answers: the one table from a store's error to a status, and its
handler (the store itself never speaks HTTP)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response

from app.core.errors import error_body, error_response
from app.storage.errors import (
    AlreadyClosed,
    AlreadyExists,
    ClaimHeld,
    HelpClaimHeld,
    InvalidRecord,
    InviteRejected,
    NotFound,
    QueryTimeout,
    ServiceNotListed,
    StateChanged,
    StorageError,
    StoreUnavailable,
    VersionConflict,
)

log = logging.getLogger("aidmap")

STORAGE_STATUS = {
    NotFound: (404, "not_found"),
    AlreadyExists: (409, "already_exists"),
    AlreadyClosed: (409, "already_closed"),
    ClaimHeld: (409, "claimed"),
    HelpClaimHeld: (409, "claimed"),
    StateChanged: (409, "state_changed"),
    VersionConflict: (412, "version_conflict"),
    InvalidRecord: (422, "invalid_record"),
    ServiceNotListed: (422, "service_not_offered"),
    InviteRejected: (410, "invite_unusable"),
    StoreUnavailable: (503, "storage_unavailable"),
    QueryTimeout: (503, "query_timeout"),
}
STORE_RETRY_AFTER_S = 2
"""Retry-After of a 503 from the store: a pool with no connection free, a locked or
unreachable database; all pass or are an operator's to fix, and clients should back off."""


async def _storage_error(request: Request, exc: StorageError) -> Response:
    status, code = next(
        (value for kind, value in STORAGE_STATUS.items() if isinstance(exc, kind)),
        (500, "storage_error"),
    )
    if isinstance(exc, QueryTimeout):  # the client's to narrow, not to retry as it is
        log.warning("storage error: %s", exc)
        return error_response(request, status, error_body(code, str(exc)))
    if status >= 500:
        log.error("storage error: %s", exc)
        headers = {"Retry-After": str(STORE_RETRY_AFTER_S)} if status == 503 else None
        return error_response(request, status, error_body(code, "storage is unavailable"), headers)
    return error_response(request, status, error_body(code, str(exc)))


def add_storage_error_handler(app: FastAPI) -> None:
    """Answer every ``StorageError`` a route lets through with its status from the table."""
    app.add_exception_handler(StorageError, _storage_error)
