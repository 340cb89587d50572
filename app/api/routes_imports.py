"""Importing spreadsheets of hospitals or contacts: a dry-run plan, or the plan applied."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.deps import ContextDep, GeocodersDep, ImportBudget, OptionalToken, StoreDep
from app.api.error_responses import errors
from app.core.errors import AppError, Forbidden, TooLarge, Unauthorized
from app.domain.enums import Role
from app.models import ImportPlanPublic, StatusPlanPublic
from app.services.imports.limits import FULL, PUBLIC, SIGNED_IN
from app.services.imports.plan import ImportBlocked, import_file
from app.services.imports.records import ImportKind
from app.services.imports.status_plan import import_statuses
from app.services.imports.table import ImportFileError

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], route_class=CheckedRoute)


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
    response_model=ImportPlanPublic | StatusPlanPublic,
    max_body_size=body_limits.IMPORT,
    responses=errors(400, 401, 403, 413, 422, 429, 503),
)
async def create_import(
    store: StoreDep,
    token: OptionalToken,
    budget: ImportBudget,
    geocoders: GeocodersDep,
    context: ContextDep,
    file: Annotated[UploadFile, File(description="CSV, XLSX, GeoJSON or GeoPackage")],
    kind: ImportKind = ImportKind.hospitals,
    dry_run: bool = True,
    skip_bad_rows: bool = False,
    sheet: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Plan an import (dry run, the default; anyone, within a small budget) or apply it
    (coordinators; a status sheet, ``kind=statuses``: volunteers and up, within a time
    limit, its statuses recorded under the caller's name). A status sheet's answer is a
    ``StatusPlanPublic``, summarised for anyone but a coordinator."""
    coordinator = token is not None and token.role.allows(Role.coordinator)
    needed = Role.volunteer if kind is ImportKind.statuses else Role.coordinator
    if not dry_run and (token is None or not token.role.allows(needed)):
        if token is None:
            raise Unauthorized(f"applying this import needs a {needed.value} token")
        raise Forbidden(f"applying this import needs the {needed.value} role, not {token.role}")
    if not coordinator:
        await run_in_threadpool(budget.spend)  # counted in the store
    data = await file.read(body_limits.IMPORT_FILE + 1)
    if len(data) > body_limits.IMPORT_FILE:
        raise TooLarge(f"files up to {body_limits.IMPORT_FILE // 2**20} MiB are accepted")
    signed_in_sheet = kind is ImportKind.statuses and token is not None
    budget = FULL if coordinator else SIGNED_IN if signed_in_sheet else PUBLIC
    upload = (data, file.filename or "upload", sheet)

    def work() -> Response:
        """Plan (and apply), then render the answer, all off the event loop: a coordinator's
        plan of 100,000 rows is ~18 MB of JSON."""
        if kind is ImportKind.statuses:
            reporter = None if dry_run else token.name  # type: ignore[union-attr]
            plan, applied = import_statuses(store, upload, budget, context.clock(), reporter)
            answer = StatusPlanPublic(**plan.to_dict(summary=budget.summary), applied=applied)
            return Response(answer.model_dump_json(), media_type="application/json")
        chain = geocoders.get(online=budget.online)
        plan, applied = import_file(
            store, chain, upload, kind, budget, apply=not dry_run, skip_bad_rows=skip_bad_rows
        )
        answer = ImportPlanPublic(**plan.to_dict(summary=budget.summary), applied=applied)
        return Response(answer.model_dump_json(), media_type="application/json")

    with context.imports.admit(public=not coordinator):
        try:
            return await context.imports.run(work)
        except ImportFileError as exc:
            raise BadFile(str(exc)) from None
        except ImportBlocked as exc:
            raise BadRows(f"{exc}; see a dry run for the rows") from None
