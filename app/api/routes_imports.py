"""Importing spreadsheets of hospitals or contacts: a dry-run plan, or the plan applied."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from app.api import body_limits
from app.api.deps import OptionalToken, StoreDep
from app.api.error_responses import errors
from app.core.errors import AppError, Forbidden, TooLarge, Unauthorized
from app.models import ImportPlanPublic
from app.services.imports.plan import ImportBlocked, apply_import, plan_import
from app.services.imports.records import ImportKind
from app.services.imports.table import ImportFileError, read_table
from app.storage.base import Role

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


class BadFile(AppError):
    """The file as a whole cannot be imported."""

    status_code = 422
    code = "bad_file"


class BadRows(AppError):
    """The plan has bad rows and skipping them was not asked for."""

    status_code = 422
    code = "bad_rows"


@router.post(
    "",
    response_model=ImportPlanPublic,
    max_body_size=body_limits.IMPORT,
    responses=errors(400, 401, 403, 413, 422, 429),
)
def create_import(
    request: Request,
    store: StoreDep,
    token: OptionalToken,
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GB18030) or XLSX")],
    kind: ImportKind = ImportKind.hospitals,
    dry_run: bool = True,
    skip_bad_rows: bool = False,
    sheet: Annotated[str | None, Query(max_length=100)] = None,
) -> ImportPlanPublic:
    """Plan an import (dry run, the default; anyone) or apply it (coordinators)."""
    if not dry_run:
        if token is None:
            raise Unauthorized("applying an import needs a coordinator token")
        if not token.role.allows(Role.coordinator):
            raise Forbidden(f"applying an import needs the coordinator role, not {token.role}")
    data = file.file.read(body_limits.IMPORT_FILE + 1)
    if len(data) > body_limits.IMPORT_FILE:
        raise TooLarge(f"files up to {body_limits.IMPORT_FILE // 2**20} MiB are accepted")
    filename = file.filename or "upload"
    try:
        table = read_table(data, filename, sheet)
        plan = plan_import(store, request.app.state.geocoders.get(), table, kind, filename)
    except ImportFileError as exc:
        raise BadFile(str(exc)) from None
    applied = None
    if not dry_run:
        try:
            applied = apply_import(store, plan, skip_bad_rows=skip_bad_rows)
        except ImportBlocked as exc:
            raise BadRows(f"{exc}; see a dry run for the rows") from None
    return ImportPlanPublic(**plan.to_dict(), applied=applied)
